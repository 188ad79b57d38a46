import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../register.ts';
import { randomValues, relativeError } from '../testValues.ts';

/** dL/dx and dL/dfilter of sum(conv2d(x, filter) * weights), on the active backend. */
async function gradients(
  x: Float32Array,
  xShape: [number, number, number, number],
  filter: Float32Array,
  filterShape: [number, number, number, number],
  weights: Float32Array,
  stride: number,
  padding: 'same' | 'valid',
): Promise<{ dx: Float32Array; dFilter: Float32Array }> {
  const [dx, dFilter] = tf.tidy(() => {
    const xs = tf.tensor4d(x, xShape);
    const filters = tf.tensor4d(filter, filterShape);
    const w = tf.tensor(weights, tf.conv2d(xs, filters, stride, padding).shape);
    return tf.grads((...[a, b]: tf.Tensor[]) =>
      tf
        .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding)
        .mul(w)
        .sum(),
    )([xs, filters]);
  });
  if (!dx || !dFilter) throw new Error('no gradient');
  const values = {
    dx: (await dx.data()) as Float32Array,
    dFilter: (await dFilter.data()) as Float32Array,
  };
  tf.dispose([dx, dFilter]);
  return values;
}

const CASES: {
  kernel: number;
  stride: number;
  padding: 'same' | 'valid';
  size: number;
  inC: number;
  outC: number;
}[] = [];
for (const kernel of [1, 3, 7]) {
  for (const stride of [1, 2]) {
    for (const padding of ['same', 'valid'] as const) {
      for (const size of [12, 13]) CASES.push({ kernel, stride, padding, size, inC: 3, outC: 5 });
    }
  }
}
// Shapes the models use: many channels, and a 1x1 bottleneck on a 2x2 map.
CASES.push({ kernel: 3, stride: 1, padding: 'same', size: 25, inC: 16, outC: 32 });
// The input gradient of a valid one by Winograd F(4x4, 3x3), with full padding (20 px from 18).
CASES.push({ kernel: 3, stride: 1, padding: 'valid', size: 20, inC: 9, outC: 12 });
CASES.push({ kernel: 1, stride: 1, padding: 'valid', size: 2, inC: 40, outC: 32 });
CASES.push({ kernel: 7, stride: 2, padding: 'same', size: 32, inC: 3, outC: 8 });

beforeAll(async () => {
  registerTrainingKernels();
  await tf.setBackend('wasm');
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('wasm convolution gradients', () => {
  it.each(CASES)(
    '$kernel x $kernel, stride $stride, $padding, $size px, $inC -> $outC channels: equal the cpu backend',
    async ({ kernel, stride, padding, size, inC, outC }) => {
      const xShape: [number, number, number, number] = [2, size, size, inC];
      const filterShape: [number, number, number, number] = [kernel, kernel, inC, outC];
      const x = randomValues(1, 2 * size * size * inC);
      const filter = randomValues(2, kernel * kernel * inC * outC);
      await tf.setBackend('cpu');
      const outSize =
        padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - kernel + 1) / stride);
      const weights = randomValues(3, 2 * outSize * outSize * outC);
      const expected = await gradients(x, xShape, filter, filterShape, weights, stride, padding);
      await tf.setBackend('wasm');
      const tensors = tf.memory().numTensors;
      const data = tf.engine().backend.numDataIds();
      const actual = await gradients(x, xShape, filter, filterShape, weights, stride, padding);
      expect(relativeError(actual.dx, expected.dx)).toBeLessThan(1e-4);
      expect(relativeError(actual.dFilter, expected.dFilter)).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.engine().backend.numDataIds()).toBe(data);
    },
  );

  it('are the ones registered for wasm, and registering again changes nothing', () => {
    const names = [tf.Conv2DBackpropFilter, tf.Conv2DBackpropInput];
    const before = names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    registerTrainingKernels();
    expect(names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc)).toEqual(before);
    expect(before.map((kernel) => kernel?.name)).toEqual([
      'conv2dBackpropFilter',
      'conv2dBackpropInput',
    ]);
  });
});
