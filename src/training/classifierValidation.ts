/**
 * The classifier's validation: every validation image predicted once, then the loss (categorical
 * cross-entropy), accuracy and the one-vs-rest AUCs of melanoma and seborrheic keratosis computed
 * from the probabilities (src/metrics); the best epoch is the one of the highest melanoma AUC. The
 * best epoch's probabilities are stored as the run's predictions, so the page can show them
 * without predicting again; an imported model gets them by predicting the split once.
 */
import * as tf from '@tensorflow/tfjs';
import { loadMaskingSummary } from '../dataset/storage.ts';
import { CLASSES, MELANOMA, KERATOSIS } from '../dataset/types.ts';
import { fitTemperatures } from '../metrics/calibration.ts';
import { datasetClinical, type DatasetClinical } from './clinicalData.ts';
import { rocAuc } from '../metrics/roc.ts';
import {
  disposeBatch,
  inOrderPlan,
  maskedSource,
  readEpoch,
  type BatchPlan,
} from '../loader/batches.ts';
import { loadDataset } from '../loader/trainingData.ts';
import type { MaskingSummary } from '../masking/summary.ts';
import { modelPredict, predictTta } from '../evaluation/tta.ts';
import type { LoopOptions, Monitor, Validation } from './loop.ts';
import {
  CLASSIFIER_METRICS,
  predictionsKey,
  saveRunState,
  type EpochFigures,
  type RunCalibration,
  type RunRecord,
} from '../runs/runs.ts';
import { labelIndex, labelledKeys } from './classifierData.ts';
import { FEATURE_BATCH } from './features.ts';

/** The best classifier has the highest validation melanoma AUC. */
export const MELANOMA_AUC: Monitor = {
  label: 'validation melanoma AUC',
  value: (figures) => figures.val[CLASSIFIER_METRICS.melanomaAuc] ?? NaN,
  mode: 'max',
};

export interface Predictions {
  keys: string[];
  /** Class index per key. */
  labels: number[];
  /** `keys.length * 3` probabilities in CLASSES order (nevus, melanoma, seborrheic keratosis). */
  probabilities: Float32Array;
}

/** A run's predictions as stored: those of the model of `epoch`. */
export interface StoredPredictions extends Predictions {
  epoch: number;
}

/** Predictions with test-time augmentation: `probabilities` are the identity view's, as ever. */
export interface TtaPredictions extends Predictions {
  /** `keys.length * 3`: the mean over the 8 dihedral views (src/evaluation/tta.ts). */
  ttaProbabilities: Float32Array;
}

/** Every image of the plan predicted. `onBatch` hears each batch's size; false stops (null). */
export async function predictAll(model: tf.LayersModel, plan: BatchPlan): Promise<Predictions>;
export async function predictAll(
  model: tf.LayersModel,
  plan: BatchPlan,
  onBatch: (images: number) => boolean,
): Promise<Predictions | null>;
export async function predictAll(
  model: tf.LayersModel,
  plan: BatchPlan,
  onBatch?: (images: number) => boolean,
): Promise<Predictions | null> {
  return predictPlan(model, plan, false, onBatch);
}

/**
 * Every image of the plan predicted in its 8 dihedral views, in one pass: the identity view's
 * probabilities and the views' mean. The plan must yield images (not a frozen backbone's
 * features). `onBatch` as for predictAll.
 */
export function predictAllTta(
  model: tf.LayersModel,
  plan: BatchPlan,
  onBatch?: (images: number) => boolean,
): Promise<TtaPredictions | null> {
  return predictPlan(model, plan, true, onBatch) as Promise<TtaPredictions | null>;
}

async function predictPlan(
  model: tf.LayersModel,
  plan: BatchPlan,
  tta: boolean,
  onBatch?: (images: number) => boolean,
): Promise<Predictions | TtaPredictions | null> {
  const keys: string[] = [];
  const labels: number[] = [];
  const chunks: Float32Array[] = [];
  const ttaChunks: Float32Array[] = [];
  for await (const batch of readEpoch(plan, 0)) {
    const { plain, mean } = tta
      ? predictTta(modelPredict(model), batch.x)
      : { plain: modelPredict(model)(batch.x), mean: null };
    const truth = batch.y ? tf.argMax(batch.y, -1) : null;
    const [p, m, y] = await Promise.all([
      plain.data<'float32'>(),
      mean?.data<'float32'>(),
      truth?.data(),
    ]);
    chunks.push(p);
    if (m) ttaChunks.push(m);
    keys.push(...batch.keys);
    if (y) labels.push(...Array.from(y));
    tf.dispose([plain, ...(mean ? [mean] : []), ...(truth ? [truth] : [])]);
    disposeBatch(batch);
    if (onBatch && !onBatch(batch.keys.length)) return null;
  }
  const probabilities = concat(chunks);
  return tta
    ? { keys, labels, probabilities, ttaProbabilities: concat(ttaChunks) }
    : { keys, labels, probabilities };
}

function concat(chunks: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (all.set(c, offset), offset + c.length), 0);
  return all;
}

/** Loss, accuracy and AUCs of predictions against their labels (NaN where undefined). */
export function classifierFigures({ labels, probabilities }: Predictions): Validation {
  const classes = CLASSES.length;
  let loss = 0;
  let correct = 0;
  labels.forEach((label, i) => {
    const row = probabilities.subarray(i * classes, (i + 1) * classes);
    loss -= Math.log(Math.max(row[label] as number, 1e-7));
    const predicted = row.indexOf(Math.max(...row));
    if (predicted === label) correct++;
  });
  const auc = (cls: number) =>
    rocAuc(
      labels.map((l) => l === cls),
      labels.map((_, i) => probabilities[i * classes + cls] as number),
    ) ?? NaN;
  return {
    loss: loss / labels.length,
    metrics: {
      [CLASSIFIER_METRICS.accuracy]: correct / labels.length,
      [CLASSIFIER_METRICS.melanomaAuc]: auc(MELANOMA),
      [CLASSIFIER_METRICS.keratosisAuc]: auc(KERATOSIS),
    },
  };
}

/**
 * The plain calibration (temperature and class biases, and again with clinical data where the
 * dataset gives them) fitted on `predictions` of the checkpoint of `epoch` (no TTA: training
 * validates one view); undefined without labels or when the fit is not a number (a diverged model).
 */
export function plainCalibration(
  { keys, labels, probabilities }: Predictions,
  epoch: number,
  clinical: DatasetClinical | null = null,
): RunCalibration | undefined {
  const fitted = fitTemperatures({
    labels,
    probabilities,
    ...(clinical ? { clinical: { model: clinical.model, logs: clinical.logs(keys) } } : {}),
  });
  return fitted ? { ...fitted, epoch } : undefined;
}

/**
 * A training run's validation for the session: `validate` predicts the split and computes its
 * figures; `onBest` fits the calibration of a new best epoch on those predictions (stored with the
 * run record and its checkpoint); `afterEpoch` stores the predictions when the epoch is the best so
 * far, so the ones shown are the best checkpoint's (the model evaluation and export use).
 */
export function runValidation(
  runId: string,
  clinical: DatasetClinical | null = null,
): {
  validate: NonNullable<LoopOptions['validate']>;
  onBest: (figures: EpochFigures) => Pick<RunRecord, 'calibration'>;
  afterEpoch: (figures: EpochFigures, best: boolean) => Promise<void>;
} {
  let latest: Predictions | null = null;
  return {
    validate: async (model, plan) => {
      latest = await predictAll(model, plan);
      return classifierFigures(latest);
    },
    onBest: (figures) => {
      const calibration = latest ? plainCalibration(latest, figures.epoch, clinical) : undefined;
      return calibration ? { calibration } : {};
    },
    afterEpoch: async (figures, best) => {
      if (latest && best) {
        const stored: StoredPredictions = { epoch: figures.epoch, ...latest };
        await saveRunState(predictionsKey(runId), stored);
      }
    },
  };
}

/**
 * Predicts the validation split's masked images with a classifier, stores the probabilities as the
 * run's predictions (what an imported model shows before any training here), and fits the plain
 * calibration on them, with clinical data where the dataset gives them (what Diagnose uses
 * before any evaluation). Nothing is stored, and there is no calibration, when there are no masked
 * images of labelled validation images yet.
 */
export async function calibrateOnValidation(
  model: tf.LayersModel,
  runId: string,
  epoch: number,
): Promise<RunCalibration | undefined> {
  const dataset = await loadDataset().catch(() => null);
  const masking = await loadMaskingSummary<MaskingSummary>();
  if (!dataset || !masking || masking.datasetRevision !== dataset.manifest.revision)
    return undefined;
  const labels = labelIndex(dataset.rows);
  const keys = labelledKeys(dataset.rows, 'val');
  if (keys.length === 0) return undefined;
  const inputSize = model.inputs[0]?.shape[1] as number;
  const predictions = await predictAll(
    model,
    inOrderPlan(keys, FEATURE_BATCH, maskedSource(inputSize, labels)),
  );
  const stored: StoredPredictions = { epoch, ...predictions };
  await saveRunState(predictionsKey(runId), stored);
  return plainCalibration(stored, epoch, datasetClinical(dataset, masking));
}
