/**
 * The gradient of Relu, for every backend: dy where relu's output y is above 0, else 0. tfjs-core
 * 4.22's keeps Relu's input x for `dy * cast(step(x))`, three kernels a layer; y > 0 exactly where
 * x > 0, so this keeps the output instead, which the next layer's gradient keeps anyway (the
 * convolution that reads it): the batch norm's output before the ReLU can be freed after the
 * forward pass. On the wasm backend the gradient is one kernel on the kernel threads
 * (wasm/channels.ts): a DenseNet-121 step's 121 ReLU gradients took 150 ms as Step, Cast and
 * Multiply.
 */
import * as tf from '@tensorflow/tfjs';
import { RELU_GRADIENT } from './wasm/channels.ts';
import { nativeSimd } from './wasm/native/module.ts';

const oneKernel = (dy: tf.Tensor, y: tf.Tensor) =>
  dy.dtype === 'float32' &&
  y.dtype === 'float32' &&
  tf.util.arraysEqual(dy.shape, y.shape) &&
  // Registered for the wasm backend alone, whose native kernels need SIMD.
  tf.getKernel(RELU_GRADIENT, tf.getBackend()) !== undefined &&
  nativeSimd() !== null;

export const reluGrad: tf.GradConfig = {
  kernelName: tf.Relu,
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const gradient = dy as tf.Tensor;
    const [y] = saved as [tf.Tensor];
    return {
      x: () =>
        oneKernel(gradient, y)
          ? (tf.engine().runKernel(RELU_GRADIENT, { dy: gradient, y }) as tf.Tensor)
          : tf.mul(gradient, tf.cast(tf.step(y), 'float32')),
    };
  },
};
