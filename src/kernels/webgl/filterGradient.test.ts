import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { randomValues, relativeError } from '../testValues.ts';
import { filterGradientByTaps, filterGradientOnWebgl, groupRows } from './filterGradient.ts';

// The kernel is built from a backend's own kernels; on the cpu backend it must equal cpu's own
// Conv2DBackpropFilter (e2e/gpuKernels.spec.ts runs it on WebGL against a float64 reference).
const CASES: { kernel: number; stride: number; pad: 'same' | 'valid'; size: number }[] = [];
for (const kernel of [1, 3, 7]) {
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      // 40 px: output rows in groups (40 = 4 x 10 rows of 40 positions); 13 px: one per image.
      for (const size of [13, 40]) CASES.push({ kernel, stride, pad, size });
    }
  }
}

function run(kernelFunc: tf.KernelFunc, x: tf.Tensor4D, dy: tf.Tensor4D, attrs: tf.NamedAttrMap) {
  const info = kernelFunc({ inputs: { x, dy }, backend: tf.backend(), attrs }) as tf.TensorInfo;
  const out = tf.engine().makeTensorFromTensorInfo(info);
  const values = out.dataSync() as Float32Array;
  out.dispose();
  return values;
}

describe('groupRows', () => {
  it('takes the fewest output rows that make a group of at least 128 positions', () => {
    // 200 px: one row of 200 positions per group, 3,200 groups at batch 16.
    expect(groupRows(16, 200, 200, 3, 16)).toBe(1);
    // 50 px: one or two rows are not enough (50, 100), five are (250; 50 / 3 and 50 / 4 do not
    // divide); 25 px: five rows are 125 < 128, so all 25.
    expect(groupRows(16, 50, 50, 64, 64)).toBe(5);
    expect(groupRows(16, 25, 25, 64, 64)).toBe(25);
  });

  it('keeps the partial products under 4 M floats, else one group per image', () => {
    // 1024 x 128 channels: 32 groups is the most that fits (32 x 131,072 = 4 M).
    const g = groupRows(16, 56, 56, 1024, 128);
    expect(((16 * 56) / g) * 1024 * 128).toBeLessThanOrEqual(4 * 2 ** 20);
    expect(56 % g).toBe(0);
    expect(groupRows(16, 7, 7, 1024, 128)).toBe(7);
  });
});

describe('filter gradient by taps, rows in groups', () => {
  it.each(CASES)(
    '$kernel x $kernel, stride $stride, $pad, $size px: equals the cpu backend, frees all it made',
    async ({ kernel, stride, pad, size }) => {
      await tf.setBackend('cpu');
      const inC = 3;
      const outC = 5;
      const filterShape: [number, number, number, number] = [kernel, kernel, inC, outC];
      const x = tf.tensor4d(randomValues(1, 2 * size * size * inC), [2, size, size, inC]);
      const outShape = tf.conv2d(x, tf.zeros(filterShape), stride, pad).shape;
      const dy = tf.tensor4d(
        randomValues(
          2,
          outShape.reduce((a, b) => a * b, 1),
        ),
        outShape,
      );
      const attrs = {
        strides: stride,
        pad,
        dataFormat: 'NHWC',
        dimRoundingMode: undefined,
        filterShape,
      } as unknown as tf.NamedAttrMap;
      const own = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
      if (!own) throw new Error('cpu has no Conv2DBackpropFilter');
      const expected = run(own.kernelFunc, x, dy, attrs);
      const data = tf.engine().backend.numDataIds();
      const actual = run(filterGradientByTaps('cpu'), x, dy, attrs);
      expect(relativeError(actual, expected)).toBeLessThan(1e-5);
      expect(tf.engine().backend.numDataIds()).toBe(data);
      tf.dispose([x, dy]);
    },
  );
});

describe("WebGL's filter gradient", () => {
  it("keeps the backend's own kernel over a small feature map and takes the taps otherwise", () => {
    const own = vi.fn(
      () => ({ dataId: {}, shape: [1, 1, 1, 1], dtype: 'float32' }) as tf.TensorInfo,
    );
    const kernel = filterGradientOnWebgl(own);
    const args = (dyShape: number[]) => ({
      inputs: {
        x: { dataId: {}, shape: [2, 32, 32, 1], dtype: 'float32' } as tf.TensorInfo,
        dy: { dataId: {}, shape: dyShape, dtype: 'float32' } as tf.TensorInfo,
      },
      backend: {} as tf.KernelBackend,
      attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 1, 1] },
    });
    // 2 x 16 x 16 = 512 positions: the backend's own.
    kernel(args([2, 16, 16, 1]));
    expect(own).toHaveBeenCalledTimes(1);
    // 2 x 32 x 32 = 2,048: the taps, whose WebGL kernels fail on this stand-in backend.
    expect(() => kernel(args([2, 32, 32, 1]))).toThrow();
    expect(own).toHaveBeenCalledTimes(1);
  });
});
