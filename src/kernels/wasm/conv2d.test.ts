/**
 * The wasm backend's forward convolutions with the project's kernels registered, against the cpu
 * backend: the cases the native kernel takes (strides 1 and 2, same and valid, 1x1 to 7x7, bias,
 * ReLU) and the ones it hands back to XNNPACK (dilation, other activations), through the ops the
 * models call (tf.conv2d, tf.fused.conv2d).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../register.ts';
import { randomValues, relativeError } from '../testValues.ts';

interface Case {
  shape: [number, number, number, number];
  kernel: number;
  outC: number;
  stride: number;
  dilation: number;
  padding: 'same' | 'valid';
  bias: boolean;
  activation?: 'relu' | 'elu';
}

async function convolve(backend: string, c: Case): Promise<Float32Array> {
  await tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const inC = c.shape[3];
  const out = tf.tidy(() => {
    const x = tf.tensor4d(
      randomValues(
        1,
        c.shape.reduce((a, b) => a * b, 1),
      ),
      c.shape,
    );
    const filter = tf.tensor4d(randomValues(2, c.kernel * c.kernel * inC * c.outC), [
      c.kernel,
      c.kernel,
      inC,
      c.outC,
    ]);
    const bias = c.bias ? tf.tensor1d(randomValues(3, c.outC)) : undefined;
    return c.bias || c.activation
      ? tf.fused.conv2d({
          x,
          filter,
          strides: c.stride,
          pad: c.padding,
          dilations: c.dilation,
          bias,
          activation: c.activation ?? 'linear',
        })
      : tf.conv2d(x, filter, c.stride, c.padding, 'NHWC', c.dilation);
  });
  const values = (await out.data()) as Float32Array;
  out.dispose();
  expect(tf.memory().numTensors).toBe(tensors);
  return values;
}

const base = { stride: 1, dilation: 1, padding: 'same', bias: false } as const;
const CASES: Case[] = [
  { ...base, shape: [2, 13, 11, 5], kernel: 3, outC: 7 },
  { ...base, shape: [1, 12, 12, 16], kernel: 3, outC: 32, bias: true, activation: 'relu' },
  // Winograd F(4x4, 3x3) (16 px and more each way), with bias and ReLU, and valid
  { ...base, shape: [2, 17, 19, 9], kernel: 3, outC: 10, bias: true, activation: 'relu' },
  { ...base, shape: [1, 20, 18, 12], kernel: 3, outC: 8, padding: 'valid' },
  { ...base, shape: [2, 9, 10, 6], kernel: 3, outC: 12, padding: 'valid', bias: true },
  { ...base, shape: [1, 8, 8, 40], kernel: 1, outC: 13, padding: 'valid' },
  { ...base, shape: [1, 10, 10, 3], kernel: 7, outC: 8, activation: 'relu' },
  { ...base, shape: [1, 4, 4, 3], kernel: 5, outC: 9, padding: 'same', bias: true },
  { ...base, shape: [2, 13, 13, 3], kernel: 7, outC: 8, stride: 2 },
  { ...base, shape: [1, 12, 11, 4], kernel: 3, outC: 6, stride: 2, padding: 'valid', bias: true },
  { ...base, shape: [1, 10, 10, 5], kernel: 1, outC: 9, stride: 2, activation: 'relu' },
  // handed to XNNPACK
  { ...base, shape: [1, 12, 12, 4], kernel: 3, outC: 6, dilation: 2 },
  { ...base, shape: [1, 8, 8, 4], kernel: 3, outC: 6, bias: true, activation: 'elu' },
];

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('wasm forward convolution', () => {
  it.each(CASES)(
    '$shape, $kernel x $kernel -> $outC, stride $stride, dilation $dilation, $padding, bias $bias, $activation',
    async (c) => {
      const [wasm, cpu] = [await convolve('wasm', c), await convolve('cpu', c)];
      expect(relativeError(wasm, cpu)).toBeLessThan(1e-5);
    },
  );
});
