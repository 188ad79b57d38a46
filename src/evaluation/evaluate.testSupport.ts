/**
 * What the evaluation tests share (evaluate.test.ts, evaluate.clinical.test.ts): a small stored
 * dataset of masked images and a classifier run to evaluate.
 */
import * as tf from '@tensorflow/tfjs';
import { emptyManifest } from '../dataset/manifest.ts';
import { addLabelled } from '../dataset/manifest.testSupport.ts';
import { storeTruthMasked } from '../dataset/storage.testSupport.ts';
import { CLASSES, type LesionClass, type Split } from '../dataset/types.ts';
import { modelUrl } from '../runs/checkpoint.ts';
import { saveRun, type RunRecord } from '../runs/runs.ts';
import { saveModel } from '../runs/saveModel.ts';
import type { EvaluationProgress } from './evaluate.ts';

export const SIZE = 16;
export const RUN = 'classifier-test-tta';

/** 6 images in each of val and test, two of each class; test images come in lesions of two. */
const PLAN: { split: Split; label: LesionClass }[] = (['val', 'test'] as const).flatMap((split) =>
  CLASSES.flatMap((label) => [
    { split, label },
    { split, label },
  ]),
);

/** A small classifier that sees where things are, so its 8 views disagree. */
export function classifier(classes: number = CLASSES.length): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3] });
  let y = tf.layers
    .conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu' })
    .apply(input) as tf.SymbolicTensor;
  y = tf.layers.flatten().apply(y) as tf.SymbolicTensor;
  y = tf.layers
    .dense({ units: classes, activation: 'softmax', name: 'predictions' })
    .apply(y) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: y });
}

export function collect() {
  const events: EvaluationProgress[] = [];
  return { events, report: (p: EvaluationProgress) => events.push(p) };
}

/** Each key's lesion id ('' where none, or grouped by patient), set by `seedEvaluation`. */
export const groups: Record<string, string> = {};
/** The masked images, by key. */
export const maskedImages = new Map<string, { size: number; pixels: Uint8Array }>();

/**
 * A dataset of 12 masked images (val and test, two of each class; test images in lesions of two,
 * one pair grouped by patient), an image of another diagnosis, a truth masking summary, and a
 * finished classifier run (RUN) with a small model and a plain temperature.
 */
export async function seedEvaluation(): Promise<void> {
  await tf.setBackend('cpu');
  const manifest = emptyManifest(SIZE);
  const masked = [];
  for (const [n, { split, label }] of PLAN.entries()) {
    const id = `ISIC_${String(n).padStart(7, '0')}`;
    // Test images pair up into lesions, but one pair is grouped by patient (not a lesion id).
    const group = split === 'test' ? `IL_${Math.floor(n / 2)}` : undefined;
    const groupBy = label === 'seborrheic_keratosis' ? 'patient' : 'lesion';
    const key = addLabelled(manifest, id, split, label, group ? { group, groupBy } : {});
    groups[key] = group && groupBy === 'lesion' ? group : '';
    const pixels = new Uint8Array(SIZE * SIZE * 3);
    // A different off-centre blob per image, so the views give different scores.
    for (let p = 0; p < SIZE * SIZE; p++) {
      const x = p % SIZE;
      const y = Math.floor(p / SIZE);
      const bright = (x - 4 - (n % 3)) ** 2 + (y - 5) ** 2 < 12;
      pixels.set(bright ? [200 - n * 5, 60 + n * 9, 90] : [20, 20, 20 + n], p * 3);
    }
    masked.push({ key, size: SIZE, pixels, mask: new Uint8Array(SIZE * SIZE).fill(255) });
    maskedImages.set(key, { size: SIZE, pixels });
  }
  // A basal cell carcinoma kept for an "other" class, in the test split: never evaluated.
  const other = 'isic_0000099';
  manifest.images[other] = {
    id: 'ISIC_0000099',
    source: 'ISIC_0000099.jpg',
    width: 64,
    height: 64,
    folderSplit: 'test',
  };
  manifest.labels[other] = {
    id: 'ISIC_0000099',
    key: other,
    label: null,
    diagnosis: 'bcc',
    source: 'labels.csv',
    fileSplit: 'test',
  };
  await storeTruthMasked(manifest, masked);
  const model = classifier();
  await saveModel(model, modelUrl('classifier', RUN, 'best'));
  model.dispose();
  const now = new Date().toISOString();
  const run: RunRecord = {
    id: RUN,
    kind: 'classifier',
    preset: 'quick',
    config: {},
    seed: 1,
    backend: 'cpu',
    datasetId: manifest.datasetId,
    datasetRevision: manifest.revision,
    images: { train: 0, val: 6 },
    status: 'finished',
    history: [],
    epochsDone: 3,
    bestEpoch: 2,
    trainSeconds: 1,
    createdAt: now,
    updatedAt: now,
    appVersion: 'test',
    tfjsVersion: tf.version.tfjs,
    // What training left: the plain temperature of the best epoch.
    calibration: { temperature: 1.5, epoch: 2 },
  };
  await saveRun(run);
}
