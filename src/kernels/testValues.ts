/** Seeded values and an error measure for the kernel tests. */
import { Random } from '../lib/random.ts';

export function randomValues(seed: number, size: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: size }, () => random.uniform(-1, 1));
}

/** Largest absolute difference, relative to the reference's largest magnitude. */
export function relativeError(actual: Float32Array, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / Math.max(scale, 1e-12);
}
