/** Seeded randomness for the synthetic ISIC generator: every draw comes from a seed, never Math.random. */

/** 32-bit FNV-1a hash of a string, used to derive one independent seed per image. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A small, fast, seeded generator (mulberry32) with the draws the renderer needs. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick() from an empty list');
    return item;
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

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
