/**
 * The project's own tfjs kernels and gradients, put in place before any training:
 * - wasm: the project's own WebAssembly (wasm/native/*.c) for the missing Conv2DBackpropFilter, a
 *   fast Conv2DBackpropInput (the backend's own is a naive loop) and the forward convolutions
 *   (wasm/conv2d.ts, wasm/conv2dBackprop.ts), and for the max-pooling, average-pooling and
 *   nearest-resize gradients and the nearest resize (wasm/poolGradients.ts); an Identity that
 *   shares memory rather than copying every tensor a gradient saves (wasm/identity.ts); Sum and
 *   Mean over the leading axes as batch norm's per-channel sums (wasm/leadingReduction.ts); the
 *   batch norm, the concatenation along channels and its gradient's split, slices that are not one
 *   run of memory, ReLU and its gradient, and large elementwise products, sums and differences
 *   (wasm/channels.ts); all of them shared over the kernel threads where there are several
 *   (wasm/native/threads.ts); batch norm in training as two kernels, forward and backward, with
 *   the ReLU after it where it has one, and a third for its moving averages
 *   (wasm/batchNormTraining.ts, for models/batchNorm.ts); and
 *   Adam's update of every variable as one kernel (wasm/adam.ts, for training/adam.ts);
 * - webgpu: Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter as the training
 *   engine's implicit matrix products (webgpu/convolutions.ts): tiled on a GPU, direct loops laid
 *   out for a CPU on a software adapter; instead of the backend's one thread per filter weight
 *   and its naive input gradient;
 * - webgl: Conv2DBackpropFilter as one matrix product per filter tap with the long sum split into
 *   groups of output rows (webgl/filterGradient.ts), but over small feature maps;
 * - cpu: a ResizeNearestNeighborGrad that is right for batches of several images;
 * - every backend: a FusedBatchNorm gradient without a feature-map-sized Tile, a Relu gradient that
 *   keeps the output rather than the input (reluGrad.ts), an Identity gradient that hands dy on
 *   rather than copying it (identityGrad.ts), and a backward pass that frees activations and
 *   gradients as soon as it is done with them (leanGradients.ts).
 * Idempotent.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormGrad } from './batchNormGrad.ts';
import { FUSED_ADAM, fusedAdam } from './wasm/adam.ts';
import * as bnTraining from './wasm/batchNormTraining.ts';
import { setLeanGradients } from './leanGradients.ts';
import { identityGrad } from './identityGrad.ts';
import { reluGrad } from './reluGrad.ts';
import { resizeNearestNeighborGrad } from './resizeNearestNeighborGrad.ts';
import * as channels from './wasm/channels.ts';
import { forwardConv2d } from './wasm/conv2d.ts';
import { conv2dBackpropFilter, conv2dBackpropInput } from './wasm/conv2dBackprop.ts';
import { identity } from './wasm/identity.ts';
import { leadingReduction } from './wasm/leadingReduction.ts';
import * as wasmPool from './wasm/poolGradients.ts';
import { filterGradientOnWebgl } from './webgl/filterGradient.ts';
import { WEBGPU_CONVOLUTIONS } from './webgpu/convolutions.ts';

/** A kernel of the project's own for the wasm backend (whose kernels take the backend's own type). */
const onWasm = (kernelName: string, kernelFunc: unknown): tf.KernelConfig => ({
  kernelName,
  backendName: 'wasm',
  kernelFunc: kernelFunc as tf.KernelFunc,
});

const KERNELS: tf.KernelConfig[] = [
  onWasm(tf.Conv2DBackpropFilter, conv2dBackpropFilter),
  onWasm(tf.Conv2DBackpropInput, conv2dBackpropInput),
  onWasm(tf.Identity, identity),
  onWasm(bnTraining.BATCH_NORM_TRAINING, bnTraining.batchNormKernel),
  onWasm(bnTraining.BATCH_NORM_RELU_TRAINING, bnTraining.batchNormReluKernel),
  onWasm(bnTraining.MOVING_AVERAGES, bnTraining.movingAveragesKernel),
  onWasm(bnTraining.BATCH_NORM_TRAINING_GRAD, bnTraining.batchNormTrainingGradKernel),
  onWasm(channels.RELU_GRADIENT, channels.reluGradient),
  onWasm(FUSED_ADAM, fusedAdam),
  {
    kernelName: tf.ResizeNearestNeighborGrad,
    backendName: 'cpu',
    kernelFunc: resizeNearestNeighborGrad,
  },
];

/** Our wrappers around a backend's own kernel, which they call for the cases they leave alone. */
const WRAPPERS: {
  kernelName: string;
  backendName: string;
  wrap: (own: tf.KernelFunc) => tf.KernelFunc;
}[] = [
  { kernelName: tf.Sum, backendName: 'wasm', wrap: leadingReduction('Sum') },
  { kernelName: tf.Mean, backendName: 'wasm', wrap: leadingReduction('Mean') },
  { kernelName: tf.Conv2D, backendName: 'wasm', wrap: forwardConv2d },
  { kernelName: tf.FusedBatchNorm, backendName: 'wasm', wrap: channels.fusedBatchNorm },
  { kernelName: tf.SplitV, backendName: 'wasm', wrap: channels.splitV },
  { kernelName: tf.Concat, backendName: 'wasm', wrap: channels.concat },
  { kernelName: tf.Slice, backendName: 'wasm', wrap: channels.slice },
  { kernelName: tf.Relu, backendName: 'wasm', wrap: channels.relu },
  { kernelName: tf.Multiply, backendName: 'wasm', wrap: channels.binary('Multiply') },
  { kernelName: tf.Add, backendName: 'wasm', wrap: channels.binary('Add') },
  { kernelName: tf.Sub, backendName: 'wasm', wrap: channels.binary('Sub') },
  { kernelName: tf.FusedConv2D, backendName: 'wasm', wrap: forwardConv2d },
  { kernelName: tf.MaxPoolGrad, backendName: 'wasm', wrap: wasmPool.maxPoolGrad },
  { kernelName: tf.AvgPoolGrad, backendName: 'wasm', wrap: wasmPool.avgPoolGrad },
  {
    kernelName: tf.ResizeNearestNeighborGrad,
    backendName: 'wasm',
    wrap: wasmPool.resizeNearestNeighborGrad,
  },
  {
    kernelName: tf.ResizeNearestNeighbor,
    backendName: 'wasm',
    wrap: wasmPool.resizeNearestNeighbor,
  },
  ...WEBGPU_CONVOLUTIONS.map((c) => ({ ...c, backendName: 'webgpu' })),
  { kernelName: tf.Conv2DBackpropFilter, backendName: 'webgl', wrap: filterGradientOnWebgl },
];
const wrapped = new WeakSet<tf.KernelFunc>();

export function registerTrainingKernels(): void {
  for (const { kernelName, backendName, wrap } of WRAPPERS) {
    const own = tf.getKernel(kernelName, backendName);
    if (!own || wrapped.has(own.kernelFunc)) continue;
    const kernelFunc = wrap(own.kernelFunc);
    wrapped.add(kernelFunc);
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ ...own, kernelFunc });
  }
  for (const config of KERNELS) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  tf.registerGradient(batchNormGrad);
  tf.registerGradient(reluGrad);
  tf.registerGradient(identityGrad);
  tf.registerGradient(bnTraining.batchNormTrainingGradient);
  tf.registerGradient(bnTraining.batchNormReluTrainingGradient);
  setLeanGradients();
}
