/**
 * The classifier's validation after each epoch: every validation image predicted once, then the
 * loss (categorical cross-entropy), accuracy and the one-vs-rest AUCs of melanoma and seborrheic
 * keratosis computed from the probabilities (src/metrics). The probabilities are kept so
 * the page can show them without predicting again.
 */
import * as tf from '@tensorflow/tfjs';
import { CLASSES, MELANOMA, KERATOSIS } from '../dataset/types.ts';
import { rocAuc } from '../metrics/roc.ts';
import { disposeBatch, readEpoch, type BatchPlan } from '../loader/batches.ts';
import type { Validation } from './loop.ts';
import { CLASSIFIER_METRICS } from '../runs/runs.ts';

export interface Predictions {
  keys: string[];
  /** Class index per key. */
  labels: number[];
  /** `keys.length * 3` probabilities in CLASSES order (nevus, melanoma, seborrheic keratosis). */
  probabilities: Float32Array;
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
  const keys: string[] = [];
  const labels: number[] = [];
  const chunks: Float32Array[] = [];
  for await (const batch of readEpoch(plan, 0)) {
    const probabilities = model.predict(batch.x) as tf.Tensor2D;
    const truth = batch.y ? tf.argMax(batch.y, -1) : null;
    const [p, y] = await Promise.all([probabilities.data<'float32'>(), truth?.data()]);
    chunks.push(p);
    keys.push(...batch.keys);
    if (y) labels.push(...Array.from(y));
    tf.dispose(truth ? [probabilities, truth] : [probabilities]);
    disposeBatch(batch);
    if (onBatch && !onBatch(batch.keys.length)) return null;
  }
  const probabilities = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((offset, c) => (probabilities.set(c, offset), offset + c.length), 0);
  return { keys, labels, probabilities };
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
