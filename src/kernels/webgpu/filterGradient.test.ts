import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { randomValues, relativeError } from '../testValues.ts';
import { filterGradientByTaps, filterGradientOnGpu } from './filterGradient.ts';

// The kernel is built from a backend's own kernels; on the cpu backend it must equal cpu's own
// Conv2DBackpropFilter (the browser e2e tests and the benchmarks run it on WebGPU).
const CASES: { kernel: number; stride: number; pad: 'same' | 'valid'; size: number }[] = [];
for (const kernel of [1, 3, 7]) {
  for (const stride of [1, 2]) {
    for (const pad of ['same', 'valid'] as const) {
      for (const size of [12, 13]) CASES.push({ kernel, stride, pad, size });
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

describe('filter gradient by taps', () => {
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
      };
      const own = tf.getKernel(tf.Conv2DBackpropFilter, 'cpu');
      if (!own) throw new Error('cpu has no Conv2DBackpropFilter');
      const expected = run(own.kernelFunc, x, dy, attrs as unknown as tf.NamedAttrMap);
      const data = tf.engine().backend.numDataIds();
      const actual = run(filterGradientByTaps('cpu'), x, dy, attrs as unknown as tf.NamedAttrMap);
      expect(relativeError(actual, expected)).toBeLessThan(1e-5);
      expect(tf.engine().backend.numDataIds()).toBe(data);
      tf.dispose([x, dy]);
    },
  );
});

describe("WebGPU's filter gradient", () => {
  it("keeps the backend's own kernel on SwiftShader and uses the taps on a GPU", () => {
    const own = vi.fn(
      () => ({ dataId: {}, shape: [1, 1, 1, 1], dtype: 'float32' }) as tf.TensorInfo,
    );
    const kernel = filterGradientOnGpu(own);
    const x = { dataId: {}, shape: [1, 4, 4, 1], dtype: 'float32' } as tf.TensorInfo;
    const args = (architecture: string) => ({
      inputs: { x, dy: x },
      backend: { adapterInfo: { architecture } } as unknown as tf.KernelBackend,
      attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [1, 1, 1, 1] },
    });
    kernel(args('swiftshader'));
    expect(own).toHaveBeenCalledTimes(1);
    // Node has no WebGPU backend: the taps ask for its kernels and say which is missing.
    expect(() => kernel(args('hopper'))).toThrow('The webgpu backend has no Reshape kernel');
    expect(own).toHaveBeenCalledTimes(1);
  });
});
