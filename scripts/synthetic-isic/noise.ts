/** Smooth seeded noise for the synthetic lesion renderer. */
import type { Random } from '../../src/lib/random.ts';

/**
 * Smooth 2-D value noise on a seeded lattice: values in [-1, 1], one feature per `cell` pixels.
 * Used for skin shading, pigment blotches and lesion texture.
 */
export class ValueNoise {
  private readonly lattice: Float32Array;
  private static readonly SIZE = 64;

  constructor(random: Random) {
    const n = ValueNoise.SIZE;
    this.lattice = new Float32Array(n * n);
    for (let i = 0; i < n * n; i++) this.lattice[i] = random.uniform(-1, 1);
  }

  at(x: number, y: number, cell: number): number {
    const n = ValueNoise.SIZE;
    const fx = x / cell;
    const fy = y / cell;
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    const tx = smooth(fx - x0);
    const ty = smooth(fy - y0);
    const ix0 = ((x0 % n) + n) % n;
    const iy0 = ((y0 % n) + n) % n;
    const ix1 = (ix0 + 1) % n;
    const iy1 = (iy0 + 1) % n;
    const l = this.lattice;
    const top = lerp(l[iy0 * n + ix0] as number, l[iy0 * n + ix1] as number, tx);
    const bottom = lerp(l[iy1 * n + ix0] as number, l[iy1 * n + ix1] as number, tx);
    return lerp(top, bottom, ty);
  }
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

export function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}
