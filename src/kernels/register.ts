/**
 * The project's own tfjs kernels and gradients, put in place before any training:
 * - wasm: the missing Conv2DBackpropFilter and a fast Conv2DBackpropInput (the backend's own is a
 *   naive loop), both run by XNNPACK — see wasm/conv2dBackprop.ts — and an Identity that shares
 *   memory rather than copying every tensor a gradient saves (wasm/identity.ts);
 * - cpu: a ResizeNearestNeighborGrad that is right for batches of several images;
 * - every backend: a FusedBatchNorm gradient without a feature-map-sized Tile, and a backward pass
 *   that frees activations and gradients as soon as it is done with them (leanGradients.ts).
 * Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormGrad } from './batchNormGrad.ts';
import { useLeanGradients } from './leanGradients.ts';
import { resizeNearestNeighborGrad } from './resizeNearestNeighborGrad.ts';
import { conv2dBackpropFilter, conv2dBackpropInput } from './wasm/conv2dBackprop.ts';
import { identity } from './wasm/identity.ts';

const KERNELS: tf.KernelConfig[] = [
  {
    kernelName: tf.Conv2DBackpropFilter,
    backendName: 'wasm',
    kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
  },
  {
    kernelName: tf.Conv2DBackpropInput,
    backendName: 'wasm',
    kernelFunc: conv2dBackpropInput as unknown as tf.KernelFunc,
  },
  {
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: identity as unknown as tf.KernelFunc,
  },
  {
    kernelName: tf.ResizeNearestNeighborGrad,
    backendName: 'cpu',
    kernelFunc: resizeNearestNeighborGrad,
  },
];

export function registerTrainingKernels(): void {
  for (const config of KERNELS) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  tf.registerGradient(batchNormGrad);
  useLeanGradients();
}
