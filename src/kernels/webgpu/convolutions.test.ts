import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { filterGradientOnWebgpu, forwardOnWebgpu, inputGradientOnWebgpu } from './convolutions.ts';

// The kernels themselves run only in a browser with WebGPU: e2e/gpuKernels.spec.ts checks them
// against the float64 reference. Here: which calls they take, and which they leave to tfjs.
describe("WebGPU's convolutions", () => {
  const tensor = (shape: number[], dtype: tf.DataType = 'float32') =>
    ({ dataId: {}, shape, dtype }) as tf.TensorInfo;
  const setup = () => {
    const own = vi.fn(() => tensor([1, 1, 1, 1]));
    const runWebGPUProgram = vi.fn(
      (program: { outputShape: number[]; shaderKey: string }) =>
        ({ dataId: {}, shape: program.outputShape, dtype: 'float32' }) as tf.TensorInfo,
    );
    const backend = {
      adapterInfo: { architecture: 'swiftshader' },
      runWebGPUProgram,
      disposeData: vi.fn(),
    } as unknown as tf.KernelBackend;
    return { own, runWebGPUProgram, backend };
  };
  const same = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };

  it('runs the forward product for a convolution with a bias and ReLU, and leaves the rest to tfjs', () => {
    const { own, runWebGPUProgram, backend } = setup();
    const conv = forwardOnWebgpu(own);
    const x = tensor([2, 8, 8, 3]);
    const filter = tensor([3, 3, 3, 16]);
    const bias = tensor([16]);
    const out = conv({
      inputs: { x, filter, bias },
      backend,
      attrs: { ...same, activation: 'relu' },
    }) as tf.TensorInfo;
    expect(out.shape).toEqual([2, 8, 8, 16]);
    expect(runWebGPUProgram.mock.calls[0]?.[0].shaderKey).toContain('forward_biasRelu_direct');
    // Not covered: dilation, a PReLU, an activation without a product's epilogue, NCHW, int32.
    const others: Parameters<tf.KernelFunc>[0][] = [
      { inputs: { x, filter }, backend, attrs: { ...same, dilations: 2 } },
      { inputs: { x, filter, preluActivationWeights: bias }, backend, attrs: same },
      { inputs: { x, filter }, backend, attrs: { ...same, activation: 'elu' } },
      { inputs: { x, filter }, backend, attrs: { ...same, dataFormat: 'NCHW' } },
      { inputs: { x: tensor([2, 8, 8, 3], 'int32'), filter }, backend, attrs: same },
    ];
    for (const args of others) conv(args);
    expect(own).toHaveBeenCalledTimes(others.length);
    expect(runWebGPUProgram).toHaveBeenCalledTimes(1);
  });

  it('runs the input gradient at stride 1 only', () => {
    const { own, runWebGPUProgram, backend } = setup();
    const grad = inputGradientOnWebgpu(own);
    const filter = tensor([3, 3, 8, 16]);
    const dx = grad({
      inputs: { dy: tensor([2, 8, 8, 16]), filter },
      backend,
      attrs: { ...same, inputShape: [2, 8, 8, 8] },
    }) as tf.TensorInfo;
    expect(dx.shape).toEqual([2, 8, 8, 8]);
    grad({
      inputs: { dy: tensor([2, 4, 4, 16]), filter },
      backend,
      attrs: { ...same, strides: 2, inputShape: [2, 8, 8, 8] },
    });
    expect(own).toHaveBeenCalledTimes(1);
    expect(runWebGPUProgram).toHaveBeenCalledTimes(1);
  });

  it("sums a split filter gradient's slices in a second pass and frees the partial products", () => {
    const { own, runWebGPUProgram, backend } = setup();
    const grad = filterGradientOnWebgpu(own);
    // 27 x 8 weights over 2 · 64 · 64 positions: split in slices.
    const dw = grad({
      inputs: { x: tensor([2, 64, 64, 3]), dy: tensor([2, 64, 64, 8]) },
      backend,
      attrs: { ...same, filterShape: [3, 3, 3, 8] },
    }) as tf.TensorInfo;
    expect(dw.shape).toEqual([3, 3, 3, 8]);
    expect(runWebGPUProgram).toHaveBeenCalledTimes(2);
    const partial = runWebGPUProgram.mock.results[0]?.value as tf.TensorInfo;
    expect(partial.shape[1]).toBe(27 * 8);
    expect(partial.shape[0]).toBeGreaterThan(1);
    expect(
      (backend as unknown as { disposeData: ReturnType<typeof vi.fn> }).disposeData,
    ).toHaveBeenCalledWith(partial.dataId);
    expect(own).not.toHaveBeenCalled();
  });
});
