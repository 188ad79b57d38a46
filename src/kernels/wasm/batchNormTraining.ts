/**
 * Batch norm in training as two kernels on the wasm backend (native/channels.c, shared over the
 * kernel threads): the batch's statistics with the normalisation, and the whole gradient. tfjs
 * builds the same from small operations (the moments: a Cast, two Means, a Sub and a Square; the
 * normalisation; and the gradients of each: about 20 kernels a layer, forward and backward), each
 * on one thread with its JavaScript around it. Used by the models' batch-norm layer
 * (src/models/batchNorm.ts) on the wasm backend, with the ReLU after it in the same pass where one
 * follows (BATCH_NORM_RELU_TRAINING: one pass over the feature map instead of three, forward, and
 * the ReLU's gradient read in the batch norm's instead of written out).
 *
 *   y = gamma * (x - mean) / sqrt(variance + epsilon) + beta, mean and variance over all but the
 *   last axis (the batch's own variance, as tfjs.moments gives it);
 *   dx = gamma * r * (dy - sum(dy) / n - (x - mean) * r * sum(dy * (x - mean) * r) / n),
 *   dgamma = sum(dy * (x - mean) * r), dbeta = sum(dy), with r = 1 / sqrt(variance + epsilon);
 *   with the ReLU, out = max(y, 0), and dy is the gradient of out where out > 0, else 0.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as builds from './native/channels.wasm.ts';
import {
  address,
  kernelThreads,
  nativeFunction,
  nativeKernel,
  nativeSimd,
  withFloats,
} from './native/module.ts';

export const BATCH_NORM_TRAINING = 'LesionLabBatchNormTraining';
export const BATCH_NORM_RELU_TRAINING = 'LesionLabBatchNormReluTraining';
export const BATCH_NORM_TRAINING_GRAD = 'LesionLabBatchNormTrainingGrad';
export const MOVING_AVERAGES = 'LesionLabMovingAverages';

interface Args {
  inputs: unknown;
  backend: unknown;
  attrs: unknown;
}

const shapeOf = (x: tf.TensorInfo) => {
  const channels = x.shape.at(-1) ?? 0;
  return { channels, pixels: tf.util.sizeFromShape(x.shape) / channels };
};

/**
 * Room for each kernel thread's per-channel sums over its share of the pixels: two doubles per
 * channel (channels.c adds the parts up in order).
 */
const partialSums = (backend: BackendWasm, channels: number) =>
  backend.makeOutput([kernelThreads(backend) * 4 * channels], 'float32');

/** Inputs x, gamma, beta; attrs epsilon. Outputs y (with `relu`, max(y, 0)), mean, variance. */
function batchNormTrainingKernel(
  { inputs, backend: own, attrs }: Args,
  relu: boolean,
): tf.TensorInfo[] {
  const backend = own as BackendWasm;
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const { epsilon } = attrs as { epsilon: number };
  const { channels, pixels } = shapeOf(x as tf.TensorInfo);
  const at = (info: tf.TensorInfo | undefined) => (info ? address(backend, info) : 0);
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const y = backend.makeOutput((x as tf.TensorInfo).shape, 'float32');
  const coefficients = backend.makeOutput([2 * channels], 'float32');
  const size = pixels * channels;
  const partial = partialSums(backend, channels);
  const parts = nativeKernel(
    backend,
    builds,
    'channelMomentParts',
  )([at(x), at(partial), pixels, channels], 2 * size);
  nativeFunction(backend, builds, 'channelMoments')(
    at(partial),
    parts,
    at(mean),
    at(variance),
    pixels,
    channels,
  );
  backend.disposeData(partial.dataId);
  withFloats(backend, [epsilon], (e) =>
    nativeFunction(backend, builds, 'batchNormCoefficients')(
      at(mean),
      at(variance),
      at(gamma),
      at(beta),
      e,
      at(coefficients),
      channels,
    ),
  );
  nativeKernel(
    backend,
    builds,
    'scaleShift',
  )([at(x), at(coefficients), at(y), pixels, channels, relu ? 1 : 0], 2 * size);
  backend.disposeData(coefficients.dataId);
  return [y, mean, variance];
}

export const batchNormKernel = (args: Args) => batchNormTrainingKernel(args, false);
export const batchNormReluKernel = (args: Args) => batchNormTrainingKernel(args, true);

/**
 * Inputs x, dy, mean, variance, gamma, and with a ReLU fused into the forward pass its output y
 * (dy counts where y > 0); attrs epsilon. Outputs dx, dgamma, dbeta.
 */
export function batchNormTrainingGradKernel({
  inputs,
  backend: own,
  attrs,
}: Args): tf.TensorInfo[] {
  const backend = own as BackendWasm;
  const { x, dy, y, mean, variance, gamma } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { epsilon } = attrs as { epsilon: number };
  const { channels, pixels } = shapeOf(x as tf.TensorInfo);
  const at = (info: tf.TensorInfo | undefined) => (info ? address(backend, info) : 0);
  const dx = backend.makeOutput((x as tf.TensorInfo).shape, 'float32');
  const dgamma = backend.makeOutput([channels], 'float32');
  const dbeta = backend.makeOutput([channels], 'float32');
  const coefficients = backend.makeOutput([3 * channels], 'float32');
  const size = pixels * channels;
  const partial = partialSums(backend, channels);
  const parts = nativeKernel(
    backend,
    builds,
    'channelGradientSumParts',
  )([at(x), at(dy), at(y), at(mean), at(partial), pixels, channels], 2 * size);
  withFloats(backend, [epsilon], (e) => {
    nativeFunction(backend, builds, 'channelGradientSums')(
      at(partial),
      parts,
      at(variance),
      e,
      at(dbeta),
      at(dgamma),
      channels,
    );
    nativeFunction(backend, builds, 'batchNormGradientCoefficients')(
      at(mean),
      at(variance),
      at(gamma),
      e,
      at(dbeta),
      at(dgamma),
      at(coefficients),
      pixels,
      channels,
    );
  });
  nativeKernel(
    backend,
    builds,
    'batchNormInputGradient',
  )([at(x), at(dy), at(y), at(coefficients), at(dx), pixels, channels], 3 * size);
  backend.disposeData(coefficients.dataId);
  backend.disposeData(partial.dataId);
  return [dx, dgamma, dbeta];
}

/**
 * Inputs mean, variance (the batch's), movingMean, movingVariance; attrs momentum. Outputs the new
 * moving mean and variance, as tfjs's layer computes them (three kernels each there).
 */
export function movingAveragesKernel({ inputs, backend: own, attrs }: Args): tf.TensorInfo[] {
  const backend = own as BackendWasm;
  const { mean, variance, movingMean, movingVariance } = inputs as Record<string, tf.TensorInfo>;
  const { momentum } = attrs as { momentum: number };
  const channels = tf.util.sizeFromShape((movingMean as tf.TensorInfo).shape);
  const at = (info: tf.TensorInfo | undefined) => (info ? address(backend, info) : 0);
  const newMean = backend.makeOutput((movingMean as tf.TensorInfo).shape, 'float32');
  const newVariance = backend.makeOutput((movingVariance as tf.TensorInfo).shape, 'float32');
  withFloats(backend, [1 - momentum], (k) =>
    nativeFunction(backend, builds, 'movingAverages')(
      at(mean),
      at(variance),
      at(movingMean),
      at(movingVariance),
      k,
      at(newMean),
      at(newVariance),
      channels,
    ),
  );
  return [newMean, newVariance];
}

/** The gradient of a training kernel: one call of the gradient kernel for all three. */
const gradientOf = (kernelName: string, relu: boolean): tf.GradConfig => ({
  kernelName,
  inputsToSave: ['x', 'gamma'],
  // With the ReLU, its output too: where it is 0, no gradient passes.
  outputsToSave: [relu, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [dy] = dys as tf.Tensor[];
    const [x, gamma, ...outputs] = saved;
    const [y, mean, variance] = relu ? outputs : [undefined, ...outputs];
    // Computed at once, not in the closures: tfjs runs each closure in a scope of its own, which
    // would free the other two results.
    const [dx, dgamma, dbeta] = tf
      .engine()
      .runKernel(
        BATCH_NORM_TRAINING_GRAD,
        { x, dy, mean, variance, gamma, ...(y ? { y } : {}) } as tf.NamedTensorMap,
        attrs as tf.NamedAttrMap,
      ) as tf.Tensor[];
    return {
      x: () => dx as tf.Tensor,
      gamma: () => dgamma as tf.Tensor,
      beta: () => dbeta as tf.Tensor,
    };
  },
});

export const batchNormTrainingGradient = gradientOf(BATCH_NORM_TRAINING, false);
export const batchNormReluTrainingGradient = gradientOf(BATCH_NORM_RELU_TRAINING, true);

/** Whether batch norm in training takes these kernels: the wasm backend, with them registered. */
export const batchNormTrainingRuns = (): boolean =>
  tf.getBackend() === 'wasm' &&
  tf.getKernel(BATCH_NORM_TRAINING, 'wasm') !== undefined &&
  nativeSimd() !== null;

/**
 * y (with `relu`, max(y, 0)), and the batch's mean and variance per channel (the last axis), of x
 * in training.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
  relu = false,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const kernel = relu ? BATCH_NORM_RELU_TRAINING : BATCH_NORM_TRAINING;
  return tf.engine().runKernel(kernel, { x, gamma, beta }, { epsilon }) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}

/**
 * The new moving mean and variance of a batch norm in training, from the batch's: one kernel for
 * both (tfjs's layer takes a Sub, a Mul and a Sub for each, 726 small calls a DenseNet-121 step).
 */
export function movingAverages(
  mean: tf.Tensor,
  variance: tf.Tensor,
  movingMean: tf.Tensor,
  movingVariance: tf.Tensor,
  momentum: number,
): [tf.Tensor, tf.Tensor] {
  return tf
    .engine()
    .runKernel(MOVING_AVERAGES, { mean, variance, movingMean, movingVariance }, { momentum }) as [
    tf.Tensor,
    tf.Tensor,
  ];
}
