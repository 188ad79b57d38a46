/**
 * The gradient of Identity (tf.clone), for every backend: dy as it is where it is float32.
 * tfjs-core 4.22's casts dy to float32 whatever its type, and a Cast to the same type is a copy
 * (the wasm backend's copies on one thread). tfjs-layers clones every tensor a layer passes on
 * unchanged, as the models' Activation does after a batch norm that took its ReLU
 * (src/models/batchNorm.ts): DenseNet-121's 121 copies took 50-65 ms a step. The backward pass
 * lets a gradient be handed on as it is (leanGradients.ts).
 */
import * as tf from '@tensorflow/tfjs';

export const identityGrad: tf.GradConfig = {
  kernelName: tf.Identity,
  gradFunc: (dy) => {
    const gradient = dy as tf.Tensor;
    return { x: () => (gradient.dtype === 'float32' ? gradient : tf.cast(gradient, 'float32')) };
  },
};
