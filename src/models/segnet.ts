/**
 * The ISIC_melanoma SegNet lesion segmenter, as the seed project builds it.
 *
 *   input  [batch, size, size, 3]
 *   encoder: per block, Conv3x3-BN-ReLU x n, then MaxPool 2x2      (16,16 | 32,32 | 64,64,64)
 *   decoder: per block, UpSampling 2x, then Conv3x3-BN-ReLU x n    (64,64,64 | 32,32 | 16,16)
 *   output [batch, size, size, 1]: Conv1x1 with sigmoid, the lesion probability per pixel
 *
 * `size` must be divisible by 2^(number of blocks). Pure: builds and returns the model; compiling
 * and fitting live in src/training.
 */
import * as tf from '@tensorflow/tfjs';
import { activation, batchNormalization } from './batchNorm.ts';
import { conv2d } from './conv2d.ts';
import { SEGNET_QUICK, SEGNET_SEED, type SegNetConfig } from './segnetConfig.ts';

export { SEGNET_QUICK, SEGNET_SEED, type SegNetConfig };

export function buildSegNet(config: SegNetConfig): tf.LayersModel {
  const blocks = config.encoder.length;
  if (blocks === 0 || config.encoder.some((block) => block.length === 0)) {
    throw new Error('SegNet needs at least one encoder block, each with at least one layer');
  }
  if (config.inputSize % 2 ** blocks !== 0) {
    throw new Error(
      `SegNet input size ${config.inputSize} must be divisible by ${2 ** blocks} (${blocks} pooling steps)`,
    );
  }
  const input = tf.input({ shape: [config.inputSize, config.inputSize, 3], name: 'image' });
  let x: tf.SymbolicTensor = input;
  config.encoder.forEach((block, b) => {
    block.forEach((filters, l) => {
      x = convBnRelu(x, filters, `encoder${b + 1}_${l + 1}`, config.batchNormMomentum ?? 0.99);
    });
    x = tf.layers
      .maxPooling2d({ poolSize: 2, strides: 2, name: `encoder${b + 1}_pool` })
      .apply(x) as tf.SymbolicTensor;
  });
  [...config.encoder].reverse().forEach((block, b) => {
    x = tf.layers
      .upSampling2d({ size: [2, 2], name: `decoder${b + 1}_up` })
      .apply(x) as tf.SymbolicTensor;
    [...block].reverse().forEach((filters, l) => {
      x = convBnRelu(x, filters, `decoder${b + 1}_${l + 1}`, config.batchNormMomentum ?? 0.99);
    });
  });
  const mask = conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', name: 'mask' }).apply(
    x,
  ) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: mask, name: 'segnet' });
}

function convBnRelu(
  x: tf.SymbolicTensor,
  filters: number,
  name: string,
  momentum: number,
): tf.SymbolicTensor {
  const conv = conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_conv` }).apply(
    x,
  ) as tf.SymbolicTensor;
  const bn = batchNormalization({ name: `${name}_bn`, momentum }).apply(conv) as tf.SymbolicTensor;
  return activation({ activation: 'relu', name: `${name}_relu` }).apply(bn) as tf.SymbolicTensor;
}
