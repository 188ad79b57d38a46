/**
 * The models the engine's page trains (bench/engine/page.ts): each network of the protocol built
 * and compiled as the app compiles it, its loss as a function (for tfjs's reference gradients),
 * and batches of the shapes it takes.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../src/lib/random.ts';
import { buildDenseNet, buildDenseNetParts } from '../../src/models/densenet.ts';
import { buildSegNet } from '../../src/models/segnet.ts';
import type { SegNetTraining } from '../../src/pipeline/presets.ts';
import { adam } from '../../src/training/adam.ts';
import { weightedCrossEntropy } from '../../src/training/classifierModel.ts';
import { diceLoss } from '../../src/training/segmentationLoss.ts';
import { compileSegNet } from '../../src/training/segnetTraining.ts';
import type { Network } from './protocol.ts';

export interface Training {
  optimizer: 'sgd-momentum' | 'adam';
  learningRate: number;
  momentum: number;
}

export interface Side {
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** The loss the model is compiled with, as a function of targets and predictions. */
  loss: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor;
}

export function buildNetwork(network: Network): tf.LayersModel {
  if (network.kind === 'segnet') return buildSegNet(network.config);
  if (network.part !== 'head') return buildDenseNet(network.config);
  const parts = buildDenseNetParts(network.config);
  parts.backbone.dispose();
  return parts.head;
}

/** Compiles `model` as the app does: the SegNet's Dice loss, or the (weighted) cross-entropy. */
export function compileNetwork(model: tf.LayersModel, network: Network, training: Training): Side {
  if (network.kind === 'segnet') {
    const optimizer = compileSegNet(model, training as SegNetTraining);
    return { model, optimizer, loss: diceLoss };
  }
  const optimizer =
    training.optimizer === 'adam'
      ? adam(training.learningRate)
      : tf.train.momentum(training.learningRate, training.momentum);
  const weights = network.classWeights;
  model.compile({
    optimizer,
    loss: weights ? weightedCrossEntropy(weights) : 'categoricalCrossentropy',
  });
  const classes = model.outputs[0]?.shape.at(-1) as number;
  return { model, optimizer, loss: weightedCrossEntropy(weights ?? new Array(classes).fill(1)) };
}

/**
 * A batch for `model`: inputs in 0..1 (features in 0..1 for a head), and masks of a disc per
 * image or one-hot labels; GPU tensors, as a real batch is.
 */
export function batchOf(
  network: Network,
  model: tf.LayersModel,
  seed: number,
  batch: number,
): { x: tf.Tensor4D; y: tf.Tensor } {
  const random = new Random(seed);
  const [, h, w, c] = model.inputs[0]?.shape as number[];
  const size = h as number;
  const inputs = Float32Array.from({ length: batch * size * (w as number) * (c as number) }, () =>
    random.uniform(0, 1),
  );
  let targets: { values: Float32Array; shape: number[] };
  if (network.kind === 'segnet') {
    const masks = new Float32Array(batch * size * size);
    for (let b = 0; b < batch; b++) {
      const cy = random.uniform(0.3, 0.7) * size;
      const cx = random.uniform(0.3, 0.7) * size;
      const r = random.uniform(0.15, 0.35) * size;
      for (let y = 0; y < size; y++)
        for (let x = 0; x < size; x++)
          masks[(b * size + y) * size + x] = (y - cy) ** 2 + (x - cx) ** 2 < r * r ? 1 : 0;
    }
    targets = { values: masks, shape: [batch, size, size, 1] };
  } else {
    const classes = model.outputs[0]?.shape.at(-1) as number;
    const labels = new Float32Array(batch * classes);
    for (let b = 0; b < batch; b++)
      labels[b * classes + Math.floor(random.uniform(0, classes))] = 1;
    targets = { values: labels, shape: [batch, classes] };
  }
  // Through a kernel, so that both live in GPU buffers as a real batch does.
  return tf.tidy(() => ({
    x: tf.mul(tf.tensor(inputs, [batch, size, w as number, c as number]), 1) as tf.Tensor4D,
    y: tf.mul(tf.tensor(targets.values, targets.shape), 1),
  }));
}

/** Makes tfjs's WebGPU backend the one running, or says that this browser has none. */
export async function useWebgpu(): Promise<void> {
  if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) {
    throw new Error('This browser gives the page no WebGPU backend');
  }
  await tf.ready();
}
