import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../register.ts';
import { randomValues, relativeError } from '../testValues.ts';
import { leadingPixels } from './leadingReduction.ts';

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

const CASES: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
  { shape: [4, 20, 20, 16], axis: [0, 1, 2], keepDims: false },
  { shape: [4, 20, 20, 16], axis: [2, 0, 1], keepDims: true },
  { shape: [4, 20, 20, 16], axis: [-4, -3, -2], keepDims: false },
  { shape: [300, 5], axis: 0, keepDims: false },
  { shape: [700], axis: 0, keepDims: true },
  { shape: [4, 20, 20, 16], axis: [0, 1, 2, 3], keepDims: false },
  { shape: [3, 5, 7, 2], axis: [0, 1], keepDims: true },
  // Left to the backend's own kernel: not the leading axes, or too few elements.
  { shape: [4, 20, 20, 16], axis: [1, 2], keepDims: false },
  { shape: [4, 20, 20, 16], axis: 3, keepDims: true },
  { shape: [8, 6], axis: 0, keepDims: false },
];

async function reduce(kind: 'sum' | 'mean', c: (typeof CASES)[number]): Promise<Float32Array> {
  const x = tf.tensor(randomValues(7, tf.util.sizeFromShape(c.shape)), c.shape);
  const y = tf[kind](x, c.axis, c.keepDims);
  const expectedShape = tf.tidy(() => tf.zeros(c.shape).sum(c.axis, c.keepDims).shape);
  expect(y.shape).toEqual(expectedShape);
  const values = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  return values;
}

describe('Sum and Mean over leading axes on wasm', () => {
  it('takes exactly the reductions over the leading axes', () => {
    expect(leadingPixels([4, 5, 6, 3], [0, 1, 2])).toBe(120);
    expect(leadingPixels([4, 5, 6, 3], [-4])).toBe(4);
    expect(leadingPixels([4, 5, 6, 3], [1, 2])).toBeNull();
    expect(leadingPixels([4, 5, 6, 3], [0, 2])).toBeNull();
  });

  it.each(CASES.flatMap((c) => (['sum', 'mean'] as const).map((kind) => ({ kind, ...c }))))(
    '$kind of $shape over $axis (keepDims $keepDims) equals the cpu backend',
    async ({ kind, ...c }) => {
      await tf.setBackend('cpu');
      const expected = await reduce(kind, c);
      await tf.setBackend('wasm');
      const data = tf.engine().backend.numDataIds();
      const actual = await reduce(kind, c);
      expect(relativeError(actual, expected)).toBeLessThan(1e-5);
      expect(tf.engine().backend.numDataIds()).toBe(data);
    },
  );
});
