import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from './register.ts';
import { randomValues, relativeError } from './testValues.ts';

type Shape = [number, number, number, number];
type Case = { from: number; to: number; alignCorners: boolean; halfPixelCenters: boolean };

/**
 * The gradient by definition: resize an image whose values are their own flat indices, which says
 * which input element each output element copies, and add every output gradient to its source.
 */
function reference(shape: Shape, { to, alignCorners, halfPixelCenters }: Case, dy: Float32Array) {
  const size = shape.reduce((a, b) => a * b, 1);
  const sources = tf.tidy(() =>
    tf.image
      .resizeNearestNeighbor(
        tf.range(0, size).reshape(shape) as tf.Tensor4D,
        [to, to],
        alignCorners,
        halfPixelCenters,
      )
      .dataSync(),
  );
  const dx = new Float32Array(size);
  sources.forEach((source, i) => {
    dx[source] = (dx[source] as number) + (dy[i] as number);
  });
  return dx;
}

async function gradient(
  shape: Shape,
  { to, alignCorners, halfPixelCenters }: Case,
  dy: Float32Array,
) {
  const dx = tf.tidy(() =>
    tf.grad((a: tf.Tensor) =>
      tf.image
        .resizeNearestNeighbor(a as tf.Tensor4D, [to, to], alignCorners, halfPixelCenters)
        .mul(tf.tensor4d(dy, [shape[0], to, to, shape[3]]))
        .sum(),
    )(tf.zeros(shape) as tf.Tensor4D),
  );
  const values = (await dx.data()) as Float32Array;
  dx.dispose();
  return values;
}

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('nearest-neighbour resize gradient', () => {
  const cases: Case[] = [
    { from: 8, to: 16, alignCorners: false, halfPixelCenters: false },
    { from: 5, to: 7, alignCorners: false, halfPixelCenters: false },
    { from: 5, to: 9, alignCorners: true, halfPixelCenters: false },
    { from: 9, to: 4, alignCorners: false, halfPixelCenters: false },
  ];
  it.each(cases.flatMap((c) => ['cpu', 'wasm'].map((backend) => ({ ...c, backend }))))(
    '$backend, $from -> $to px (align corners $alignCorners): every image of a batch of 3 gets its own gradient',
    async ({ backend, ...c }) => {
      await tf.setBackend(backend);
      const shape: Shape = [3, c.from, c.from, 4];
      const dy = randomValues(7, 3 * c.to * c.to * 4);
      const tensors = tf.memory().numTensors;
      expect(relativeError(await gradient(shape, c, dy), reference(shape, c, dy))).toBeLessThan(
        1e-6,
      );
      expect(tf.memory().numTensors).toBe(tensors);
    },
  );

  it.each(['cpu', 'wasm'])(
    '%s, with half-pixel centres: follows the forward pass',
    async (backend) => {
      await tf.setBackend(backend);
      const c = { from: 6, to: 13, alignCorners: false, halfPixelCenters: true };
      const shape: Shape = [2, 6, 6, 2];
      const dy = randomValues(8, 2 * 13 * 13 * 2);
      expect(relativeError(await gradient(shape, c, dy), reference(shape, c, dy))).toBeLessThan(
        1e-6,
      );
    },
  );
});

describe('nearest-neighbour resize on wasm (the project kernel) against cpu', () => {
  it.each([
    { from: 8, to: 16, alignCorners: false, halfPixelCenters: false },
    { from: 5, to: 9, alignCorners: true, halfPixelCenters: false },
    { from: 9, to: 4, alignCorners: false, halfPixelCenters: true },
    { from: 50, to: 100, alignCorners: false, halfPixelCenters: false },
  ])(
    '$from -> $to px (align corners $alignCorners, half-pixel centres $halfPixelCenters)',
    async (c) => {
      const shape: Shape = [2, c.from, c.from, 5];
      const values = randomValues(
        8,
        shape.reduce((a, b) => a * b, 1),
      );
      const results: Float32Array[] = [];
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const out = tf.tidy(() =>
          tf.image.resizeNearestNeighbor(
            tf.tensor4d(values, shape),
            [c.to, c.to],
            c.alignCorners,
            c.halfPixelCenters,
          ),
        );
        results.push((await out.data()) as Float32Array);
        out.dispose();
      }
      expect(results[0]).toEqual(results[1]);
    },
  );
});
