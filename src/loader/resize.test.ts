/**
 * The JavaScript resizes against tfjs's own (cpu backend), which the training pipeline used before:
 * down and up, to one pixel, and to the same size.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import { resizeBilinearBytes, resizeMaskBytes } from './resize.ts';

const bytes = (seed: number, n: number, values = 256) => {
  const random = new Random(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(random.uniform(0, values)));
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('resizing stored bytes to the model input', () => {
  it.each([
    [256, 24],
    [256, 200],
    [7, 13],
    [5, 1],
    [9, 9],
  ])(
    'photos %i -> %i px: as tf.image.resizeBilinear with aligned corners, over 255',
    (size, to) => {
      const pixels = bytes(size, size * size * 3);
      const out = new Float32Array(5 + to * to * 3);
      resizeBilinearBytes(pixels, size, to, 3, 1 / 255, out, 5);
      const expected = tf.tidy(() =>
        tf
          .div(
            tf.image.resizeBilinear(tf.tensor3d(pixels, [size, size, 3], 'int32'), [to, to], true),
            255,
          )
          .dataSync(),
      );
      const worst = Math.max(
        ...Array.from(expected, (e, i) => Math.abs(e - (out[5 + i] as number))),
      );
      expect(worst).toBeLessThan(1e-5);
      expect(out.subarray(0, 5).every((v) => v === 0)).toBe(true);
    },
  );

  it.each([
    [256, 24],
    [256, 200],
    [6, 11],
    [9, 9],
  ])('masks %i -> %i px: as resizeNearestNeighbor with aligned corners, then > 127', (size, to) => {
    const pixels = Uint8Array.from(bytes(size + 1, size * size, 2), (v) => v * 255);
    const out = new Float32Array(to * to);
    resizeMaskBytes(pixels, size, to, out, 0);
    const expected = tf.tidy(() =>
      tf
        .cast(
          tf.greater(
            tf.image.resizeNearestNeighbor(
              tf.tensor3d(pixels, [size, size, 1], 'int32'),
              [to, to],
              true,
            ),
            127,
          ),
          'float32',
        )
        .dataSync(),
    );
    expect(Array.from(out)).toEqual(Array.from(expected));
  });
});
