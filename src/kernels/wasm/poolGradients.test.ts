/**
 * The wasm backend's max- and average-pooling gradients (the project's own WebAssembly) against the
 * cpu backend's, through tf.grad as training calls it: windows that tile, overlap, and hang over
 * the padding, and inputs full of ties (small integers), where tfjs sends the gradient to the
 * first maximum of each window.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../register.ts';
import { randomValues, relativeError } from '../testValues.ts';

interface Case {
  shape: [number, number, number, number];
  size: number;
  stride: number;
  pad: 'valid' | 'same';
  ties: boolean;
}

async function gradient(
  backend: string,
  c: Case,
  x: Float32Array,
  dyValues: Float32Array,
  pool: typeof tf.maxPool | typeof tf.avgPool = tf.maxPool,
) {
  await tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const dx = tf.tidy(() => {
    const input = tf.tensor4d(x, c.shape);
    const pooled = (a: tf.Tensor) => pool(a as tf.Tensor4D, c.size, c.stride, c.pad);
    const dy = tf.tensor(dyValues, pooled(input).shape);
    return tf.grad((a: tf.Tensor) => pooled(a).mul(dy).sum())(input);
  });
  const values = (await dx.data()) as Float32Array;
  dx.dispose();
  expect(tf.memory().numTensors).toBe(tensors);
  return values;
}

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('wasm max-pooling gradient', () => {
  const cases: Case[] = [
    { shape: [3, 8, 8, 5], size: 2, stride: 2, pad: 'valid', ties: false },
    { shape: [2, 9, 7, 4], size: 2, stride: 2, pad: 'valid', ties: true },
    { shape: [2, 9, 7, 4], size: 2, stride: 2, pad: 'same', ties: false },
    { shape: [2, 11, 11, 3], size: 3, stride: 2, pad: 'same', ties: true },
    { shape: [1, 10, 10, 6], size: 3, stride: 1, pad: 'valid', ties: false },
  ];
  it.each(cases)('$shape, $size x $size window, stride $stride, $pad, ties $ties', async (c) => {
    const count = c.shape.reduce((a, b) => a * b, 1);
    const x = c.ties
      ? Float32Array.from(randomValues(3, count), (v) => Math.round(v * 2))
      : randomValues(3, count);
    const info = tf.backend_util.computePool2DInfo(c.shape, c.size, c.stride, 1, c.pad);
    const outCount = info.outShape.reduce((a, b) => a * b, 1);
    const dy = randomValues(4, outCount);
    const [wasm, cpu] = [await gradient('wasm', c, x, dy), await gradient('cpu', c, x, dy)];
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-6);
  });
});

describe('wasm average-pooling gradient', () => {
  const cases: Case[] = [
    // Windows that tile the input, the native kernel's case; then rows and columns past the last
    // window; then the backend's own cases (overlap, padding).
    { shape: [3, 8, 8, 5], size: 2, stride: 2, pad: 'valid', ties: false },
    { shape: [2, 56, 56, 16], size: 2, stride: 2, pad: 'valid', ties: false },
    { shape: [2, 11, 9, 4], size: 3, stride: 3, pad: 'valid', ties: false },
    { shape: [2, 9, 7, 4], size: 2, stride: 2, pad: 'same', ties: false },
    { shape: [1, 10, 10, 6], size: 3, stride: 1, pad: 'valid', ties: false },
  ];
  it.each(cases)('$shape, $size x $size window, stride $stride, $pad', async (c) => {
    const count = c.shape.reduce((a, b) => a * b, 1);
    const x = randomValues(5, count);
    const info = tf.backend_util.computePool2DInfo(c.shape, c.size, c.stride, 1, c.pad);
    const dy = randomValues(
      6,
      info.outShape.reduce((a, b) => a * b, 1),
    );
    const [wasm, cpu] = [
      await gradient('wasm', c, x, dy, tf.avgPool),
      await gradient('cpu', c, x, dy, tf.avgPool),
    ];
    expect(relativeError(wasm, cpu)).toBeLessThan(1e-6);
  });
});
