/**
 * The classifier model of a new run, and how it is compiled: a DenseNet from scratch or with the
 * imported ImageNet weights copied into its backbone, trained with Adam on the categorical
 * cross-entropy, weighted per class when the run balances the classes by weight.
 */
import * as tf from '@tensorflow/tfjs';
import { buildDenseNet, describeDenseNet } from '../models/densenet.ts';
import { copyWeightsByName } from '../models/importWeights.ts';
import type { ClassifierTraining } from '../pipeline/presets.ts';
import { loadPretrained } from '../runs/pretrained.ts';
import type { ClassifierConfig } from './classifierConfig.ts';
import { adam } from './adam.ts';

/** Categorical cross-entropy with a weight per true class (Keras' class_weight). */
export function weightedCrossEntropy(weights: number[]) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const perSample = tf.neg(tf.sum(tf.mul(yTrue, tf.log(tf.clipByValue(yPred, 1e-7, 1))), -1));
      const sampleWeights = tf.sum(tf.mul(yTrue, tf.tensor1d(weights)), -1);
      return tf.mean(tf.mul(perSample, sampleWeights));
    });
}

export function compileClassifier(
  model: tf.LayersModel,
  training: ClassifierTraining,
  weights: number[] | null,
): tf.Optimizer {
  const optimizer = adam(training.learningRate);
  model.compile({
    optimizer,
    loss: weights ? weightedCrossEntropy(weights) : 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return optimizer;
}

/**
 * A new classifier: from scratch, or with the imported ImageNet weights copied into its backbone
 * by layer name (the run's config records how many layers took them).
 */
export async function initialModel(
  config: ClassifierConfig,
  pretrained: boolean,
): Promise<tf.LayersModel> {
  const model = buildDenseNet(config.model);
  if (!pretrained) return model;
  try {
    const { model: source, info } = await loadPretrained();
    const report = copyWeightsByName(source, model);
    source.dispose();
    const total =
      report.matched.length + report.shapeMismatch.length + report.missingInSource.length;
    // The head is new by design; only the backbone's layers count.
    const head = new Set(['fc1', 'predictions']);
    const backboneTotal =
      total -
      [...report.missingInSource, ...report.shapeMismatch.map((m) => m.layer)].filter((l) =>
        head.has(l),
      ).length;
    if (report.matched.length === 0) {
      throw new Error(
        `None of the imported weights (${info.source}) fit this model (${describeDenseNet(config.model)}): they are for DenseNet-121; choose the seed or recommended preset, or train from scratch.`,
      );
    }
    config.pretrained = {
      source: info.source,
      matched: report.matched.length,
      total: backboneTotal,
    };
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
