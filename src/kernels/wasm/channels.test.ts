/**
 * The wasm backend's batch norm, concatenation and split along channels, slices, ReLU and its
 * gradient, and large elementwise ops (the project's own
 * WebAssembly, native/channels.c) against the cpu backend's, through the tfjs ops training calls:
 * sizes above and below the size the native kernels take, channel counts that are not multiples of
 * 4, a per-channel vector on either side.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../register.ts';
import { randomValues, relativeError } from '../testValues.ts';
import { LARGE, RELU_GRADIENT } from './channels.ts';

/** `op` on both backends, from the same values; every output's values, wasm's then cpu's. */
async function onBoth(
  shapes: number[][],
  op: (...inputs: tf.Tensor[]) => tf.Tensor | tf.Tensor[],
): Promise<[Float32Array[], Float32Array[]]> {
  const values = shapes.map((shape, i) => randomValues(i + 1, tf.util.sizeFromShape(shape)));
  const results: Float32Array[][] = [];
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    const tensors = tf.memory().numTensors;
    const out = tf.tidy(() => op(...shapes.map((shape, i) => tf.tensor(values[i] ?? [], shape))));
    const outs = Array.isArray(out) ? out : [out];
    results.push(await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array)));
    tf.dispose(outs);
    expect(tf.memory().numTensors).toBe(tensors);
  }
  return results as [Float32Array[], Float32Array[]];
}

const close = ([wasm, cpu]: [Float32Array[], Float32Array[]], tolerance: number) => {
  expect(wasm.length).toBe(cpu.length);
  wasm.forEach((w, i) =>
    expect(relativeError(w, cpu[i] as Float32Array)).toBeLessThanOrEqual(tolerance),
  );
};

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

// 2 x 60 x 61 pixels: above LARGE at every channel count below.
const big = (channels: number) => [2, 60, 61, channels];

it('takes the large cases natively', () => {
  expect(tf.util.sizeFromShape(big(6))).toBeGreaterThan(LARGE);
});

describe('wasm batch norm', () => {
  it.each([
    [big(6), true],
    [big(16), false],
    [[1, 4, 4, 6], true],
  ])('%j, scale and offset %s', async (shape, affine) => {
    const channels = shape.at(-1) as number;
    const vector = [channels];
    const result = await onBoth([shape, vector, vector, vector, vector], (x, m, v, o, s) =>
      tf.batchNorm(
        x as tf.Tensor4D,
        m as tf.Tensor1D,
        (v as tf.Tensor1D).abs(),
        affine ? (o as tf.Tensor1D) : undefined,
        affine ? (s as tf.Tensor1D) : undefined,
        1e-3,
      ),
    );
    close(result, 1e-5);
  });
});

describe('wasm channel split', () => {
  it.each([
    [big(13), [4, 6, 3]],
    [big(64), [32, 32]],
    [
      [2, 3, 3, 9],
      [4, 5],
    ],
  ])('%j into %j along channels', async (shape, widths) => {
    close(await onBoth([shape], (x) => tf.split(x as tf.Tensor, widths, -1)), 0);
  });

  it('leaves a split along another axis to the backend', async () => {
    close(await onBoth([big(8)], (x) => tf.split(x as tf.Tensor, [10, 50], 1)), 0);
  });
});

describe('wasm concatenation along channels', () => {
  it.each([
    [[big(13), big(4), big(3)]],
    [[big(64), big(32)]],
    [
      [
        [2, 3, 3, 9],
        [2, 3, 3, 4],
      ],
    ],
    [[big(5), [2, 60, 61, 0], big(3)]],
  ])('%j', async (shapes) => {
    close(await onBoth(shapes, (...xs) => tf.concat(xs, -1)), 0);
  });

  it('leaves a concatenation along another axis to the backend', async () => {
    close(await onBoth([big(8), [2, 10, 61, 8]], (a, b) => tf.concat([a, b] as tf.Tensor[], 1)), 0);
  });
});

describe('wasm slices', () => {
  it.each([
    // Whole rows of the last axis (a zero padding's gradient), part of the channels, three axes,
    // two, and one run of memory (the backend's own).
    [big(8), [0, 1, 1, 0], [2, 58, 59, 8]],
    [big(8), [1, 2, 0, 2], [1, 50, 61, 3]],
    [
      [60, 61, 13],
      [3, 4, 0],
      [50, 50, 13],
    ],
    [
      [300, 200],
      [10, 7],
      [250, 190],
    ],
    [big(8), [1, 0, 0, 0], [1, 60, 61, 8]],
  ])('%j from %j, %j', async (shape, begin, size) => {
    close(await onBoth([shape], (x) => tf.slice(x as tf.Tensor, begin, size)), 0);
  });
});

describe('wasm ReLU and its gradient', () => {
  it.each([[big(7)], [[3, 5]]])('%j', async (shape) => {
    // Zeros among the values: the gradient is 0 there, as tfjs's step gives it.
    const result = await onBoth([shape, shape], (x, dy) => {
      const input = tf.where(tf.less(tf.abs(x as tf.Tensor), 0.1), 0, x as tf.Tensor);
      const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.relu(t))([input], dy);
      return [value, ...grads];
    });
    close(result, 0);
  });

  it('takes the gradient as one kernel, keeping the output', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(randomValues(3, 64), [4, 16]);
    const profile = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.relu(t))(x));
    const kernels = profile.kernels.map((k) => k.name);
    expect(kernels).toContain(RELU_GRADIENT);
    expect(kernels).not.toContain('Step');
    tf.dispose([x, profile.result as tf.Tensor]);
  });
});

describe('wasm elementwise', () => {
  it.each([
    ['mul', big(7), big(7)],
    ['add', big(7), [7]],
    ['add', [7], big(7)],
    ['sub', big(12), [1, 1, 1, 12]],
    ['sub', [12], big(12)],
    ['mul', [3, 5], [3, 5]],
  ] as const)('%s of %j and %j', async (op, a, b) => {
    close(await onBoth([[...a], [...b]], (x, y) => tf[op](x as tf.Tensor, y as tf.Tensor)), 0);
  });
});
