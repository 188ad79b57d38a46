/** For tests of calibration and its clinical model: class probabilities from logits, and labels drawn from them. */
import type { Random } from '../lib/random.ts';

export function softmax(z: readonly number[]): number[] {
  const max = Math.max(...z);
  const e = z.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** A class index drawn with probabilities `p`. */
export function drawClass(random: Random, p: readonly number[]): number {
  let u = random.next();
  for (let c = 0; c < p.length - 1; c++) if ((u -= p[c] as number) < 0) return c;
  return p.length - 1;
}
