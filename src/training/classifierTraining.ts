/**
 * Trains the DenseNet classifier (nevus, melanoma, seborrheic keratosis) on the masked images, in
 * the compute worker, with the session machinery the SegNet uses (session.ts): new or resumed
 * runs, batch progress, checkpoints with optimizer state, the best epoch by validation melanoma
 * AUC. Two modes: `fine-tune` trains every layer on augmented batches; `frozen` stores the
 * backbone's features once (features.ts) and trains the head on them, and each checkpoint is the
 * whole classifier (backbone and trained head), so evaluation and diagnosis load one model.
 */
import * as tf from '@tensorflow/tfjs';
import { loadMaskingSummary } from '../dataset/storage.ts';
import type { DatasetRow } from '../dataset/summary.ts';
import { CLASSES, MELANOMA } from '../dataset/types.ts';
import { buildDenseNet, buildDenseNetParts, describeDenseNet } from '../models/densenet.ts';
import { copyWeightsByName } from '../models/importWeights.ts';
import type { MaskingSummary } from '../masking/summary.ts';
import type { BackendName } from '../pipeline/backends.ts';
import {
  PRESET_TABLE,
  type ClassifierChoices,
  type ClassifierTraining,
  type PresetName,
} from '../pipeline/presets.ts';
import type { StopSignal } from '../lib/jobs.ts';
import { augmentImages } from '../loader/augment.ts';
import { balancedWeights, classCounts, sampleImage, oversample } from '../loader/balance.ts';
import { inOrderPlan, maskedSource, shuffledPlan, type BatchSource } from '../loader/batches.ts';
import { loadModel, restoreOptimizer } from '../runs/checkpoint.ts';
import { classifierFigures, predictAll, type Predictions } from './classifierValidation.ts';
import { FEATURE_BATCH, computeFeatures, featureSource } from './features.ts';
import { firstStep, stepSeed } from './augmentSeeds.ts';
import type { Monitor, Prepare } from './loop.ts';
import { checkBatchFits } from './memory.ts';
import { loadPretrained } from '../runs/pretrained.ts';
import { CLASSIFIER_METRICS, predictionsKey, saveRunState, type RunRecord } from '../runs/runs.ts';
import { newRunRecord, resumableRun, runSession, type TrainingProgress } from './session.ts';
import { loadDataset } from '../loader/trainingData.ts';

/** A classifier run's recipe: the preset's, with the person's choices and the weights it began from. */
export interface ClassifierConfig extends ClassifierTraining {
  /** The ImageNet weights the backbone started from; null: from scratch. */
  pretrained: { source: string; matched: number; total: number } | null;
  /** What made the masked images it trained on. */
  masks: string;
}

export type ClassifierRun = RunRecord<ClassifierConfig>;
export type ClassifierProgress = TrainingProgress<ClassifierConfig>;

export interface TrainClassifierParams {
  preset: PresetName;
  /** Changes to the preset's mode, balance, learning rate, batch size and epochs. */
  choices?: Partial<ClassifierChoices>;
  /** Start the backbone from the ImageNet weights imported into this browser. */
  pretrained?: boolean;
  /** Continue this run from its last finished epoch instead of starting a new one. */
  resumeRunId?: string;
}

export interface StoredPredictions extends Predictions {
  epoch: number;
}

const CLASS_COUNT = CLASSES.length;

/** The best classifier has the highest validation melanoma AUC. */
export const MELANOMA_AUC: Monitor = {
  label: 'validation melanoma AUC',
  value: (figures) => figures.val[CLASSIFIER_METRICS.melanomaAuc] ?? NaN,
  mode: 'max',
};

/** Class index of each labelled image. */
export function labelIndex(rows: DatasetRow[]): Map<string, number> {
  return new Map(rows.flatMap((r) => (r.label ? [[r.key, CLASSES.indexOf(r.label)]] : [])));
}

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
  const optimizer = tf.train.adam(training.learningRate);
  model.compile({
    optimizer,
    loss: weights ? weightedCrossEntropy(weights) : 'categoricalCrossentropy',
    metrics: ['accuracy'],
  });
  return optimizer;
}

/**
 * Fine-tuning's augmentation as the loop's `prepare` step, seeded by the run's step (`first` is the
 * step the session starts at: augmentSeeds.ts).
 */
export function classifierAugmentation(
  augment: ClassifierTraining['augment'],
  seed: number,
  first: number,
): Prepare {
  // The labels pass through unchanged (the loop disposes them once).
  return (x, y, step) => ({
    x: augmentImages(x, { ...augment, shear: 0 }, stepSeed(seed, first, step)),
    y,
  });
}

export async function trainClassifier(
  params: TrainClassifierParams,
  backend: BackendName,
  report: (progress: ClassifierProgress) => void,
  signal: StopSignal,
): Promise<ClassifierRun> {
  const dataset = await loadDataset();
  const masking = await loadMaskingSummary<MaskingSummary>();
  if (!masking) {
    throw new Error(
      'The classifier learns from masked images: apply masks in the Masking stage first.',
    );
  }
  if (masking.datasetRevision !== dataset.manifest.revision) {
    throw new Error('The dataset changed after the masks were applied: apply the masks again.');
  }
  const labels = labelIndex(dataset.rows);
  const labelled = (split: DatasetRow['split']) =>
    dataset.rows.filter((r) => r.split === split && r.label).map((r) => r.key);
  const keys = { train: labelled('train'), val: labelled('val') };
  const valLabels = keys.val.map((k) => labels.get(k));
  if (!valLabels.includes(MELANOMA) || valLabels.every((l) => l === MELANOMA)) {
    throw new Error(
      'The validation split needs melanomas and other lesions to measure the melanoma AUC: add labelled validation images of both.',
    );
  }

  const run = params.resumeRunId
    ? await resumableRun<ClassifierConfig>('classifier', params.resumeRunId)
    : newRunRecord('classifier', params.preset, newConfig(params, masking), backend, dataset);
  const config = run.config;
  if (keys.train.length < config.batchSize) {
    throw new Error(
      `The train split has ${keys.train.length} labelled images, fewer than one batch of ${config.batchSize}.`,
    );
  }
  const labelOf = (key: string) => labels.get(sampleImage(key)) as number;
  const samples =
    config.balance === 'oversample'
      ? oversample(keys.train, labelOf, CLASS_COUNT, run.seed)
      : keys.train;
  const weights =
    config.balance === 'class-weights'
      ? balancedWeights(classCounts(keys.train.map(labelOf), CLASS_COUNT))
      : null;
  run.images = { train: samples.length, val: keys.val.length };

  const full = params.resumeRunId
    ? await loadModel('classifier', run.id, 'latest')
    : await initialModel(config, params.pretrained === true);
  const parts = config.mode === 'frozen' ? buildDenseNetParts(config.model) : null;
  const model = parts ? parts.head : full;
  const optimizer = compileClassifier(model, config, weights);
  try {
    if (parts) {
      copyWeightsByName(full, parts.backbone);
      copyWeightsByName(full, parts.head);
    }
    if (parts) checkBatchFits(parts.backbone, FEATURE_BATCH);
    checkBatchFits(model, config.batchSize);
    if (params.resumeRunId) await restoreOptimizer(optimizer, run.id);
    let source: BatchSource = maskedSource(config.model.inputSize, labels);
    let stop = signal;
    if (parts) {
      report({ kind: 'run', run: { ...run } });
      const complete = await computeFeatures(
        parts.backbone,
        run.id,
        [...samples, ...keys.val],
        config.augment,
        run.seed,
        (p) => report({ kind: 'prepare', runId: run.id, what: 'backbone features', ...p }),
        () => signal.stopped,
      );
      if (!complete) stop = { stopped: true };
      source = featureSource(run.id, labels);
    }
    let latest: Predictions | null = null;
    return await runSession(
      {
        run,
        model,
        optimizer,
        epochs: config.epochs,
        patience: config.patience,
        batchSize: config.batchSize,
        loop: {
          train: shuffledPlan(samples, config.batchSize, source, run.seed),
          val: inOrderPlan(keys.val, config.batchSize, source),
          monitor: MELANOMA_AUC,
          validate: async (m, valPlan) => {
            latest = await predictAll(m, valPlan);
            return classifierFigures(latest);
          },
          ...(parts
            ? {}
            : {
                prepare: classifierAugmentation(
                  config.augment,
                  run.seed,
                  firstStep(run.epochsDone, samples.length, config.batchSize),
                ),
              }),
        },
        ...(parts
          ? {
              checkpointModel: () => {
                copyWeightsByName(parts.head, full);
                return full;
              },
            }
          : {}),
        // The predictions shown are the best checkpoint's: the model evaluation and export use.
        afterEpoch: async (figures, best) => {
          if (latest && best) {
            const stored: StoredPredictions = { epoch: figures.epoch, ...latest };
            await saveRunState(predictionsKey(run.id), stored);
          }
        },
      },
      backend,
      report,
      stop,
    );
  } finally {
    full.dispose();
    parts?.backbone.dispose();
    parts?.head.dispose();
    optimizer.dispose();
  }
}

function newConfig(params: TrainClassifierParams, masking: MaskingSummary): ClassifierConfig {
  const preset = PRESET_TABLE[params.preset].classifier;
  return {
    ...preset,
    ...params.choices,
    model: { ...preset.model, imagenetPreprocess: params.pretrained === true },
    pretrained: null,
    masks:
      masking.source.kind === 'truth'
        ? 'ground-truth masks'
        : `SegNet run ${masking.source.runId} (epoch ${(masking.epoch ?? 0) + 1})`,
  };
}

/**
 * A new classifier: from scratch, or with the imported ImageNet weights copied into its backbone
 * by layer name (the run's config records how many layers took them).
 */
async function initialModel(
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

/**
 * Predicts the validation split's masked images with a classifier and stores the probabilities as
 * the run's predictions (what an imported model shows before any training here). Nothing is
 * stored when there are no masked images of labelled validation images yet.
 */
export async function predictValidation(
  model: tf.LayersModel,
  runId: string,
  epoch: number,
): Promise<StoredPredictions | null> {
  const dataset = await loadDataset().catch(() => null);
  const masking = await loadMaskingSummary<MaskingSummary>();
  if (!dataset || !masking || masking.datasetRevision !== dataset.manifest.revision) return null;
  const labels = labelIndex(dataset.rows);
  const keys = dataset.rows.filter((r) => r.split === 'val' && r.label).map((r) => r.key);
  if (keys.length === 0) return null;
  const inputSize = model.inputs[0]?.shape[1] as number;
  const predictions = await predictAll(
    model,
    inOrderPlan(keys, FEATURE_BATCH, maskedSource(inputSize, labels)),
  );
  const stored: StoredPredictions = { epoch, ...predictions };
  await saveRunState(predictionsKey(runId), stored);
  return stored;
}
