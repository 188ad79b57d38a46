import './browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyManifest } from '../dataset/manifest.ts';
import { addLabelled } from '../dataset/manifest.testSupport.ts';
import { saveMaskingSummary } from '../dataset/storage.ts';
import { storeTruthMasked } from '../dataset/storage.testSupport.ts';
import { CLASSES, type LesionClass, type Split } from '../dataset/types.ts';
import { loadModel } from '../runs/checkpoint.ts';
import type { ClassifierProgress } from './classifierConfig.ts';
import { trainClassifier } from './classifierTraining.ts';
import type { StoredPredictions } from './classifierValidation.ts';
import { fitCalibration } from '../metrics/calibration.ts';
import { loadRun, loadRunState, predictionsKey, CLASSIFIER_METRICS } from '../runs/runs.ts';

const SIZE = 32;
/** Class colours of the test lesions: each class is told apart by its colour alone. */
const COLOURS: Record<LesionClass, [number, number, number]> = {
  nevus: [140, 88, 60],
  melanoma: [40, 30, 60],
  seborrheic_keratosis: [200, 170, 120],
};

/** Basal cell carcinomas, kept for an "other" class: green, so colour tells them apart too. */
const OTHER_COLOUR: [number, number, number] = [60, 160, 60];

/**
 * 12 nevi, 4 melanomas, 4 keratoses and 4 basal cell carcinomas (label null, a definite other
 * diagnosis) to train; 3 of each class to validate, and 2 carcinomas.
 */
const PLAN: { split: Split; label: LesionClass | null; count: number }[] = [
  { split: 'train', label: 'nevus', count: 12 },
  { split: 'train', label: 'melanoma', count: 4 },
  { split: 'train', label: 'seborrheic_keratosis', count: 4 },
  { split: 'train', label: null, count: 4 },
  { split: 'val', label: 'nevus', count: 3 },
  { split: 'val', label: 'melanoma', count: 3 },
  { split: 'val', label: 'seborrheic_keratosis', count: 3 },
  { split: 'val', label: null, count: 2 },
];

function collect() {
  const events: ClassifierProgress[] = [];
  return { events, report: (p: ClassifierProgress) => events.push(p) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  const manifest = emptyManifest(SIZE);
  const masked = [];
  let n = 0;
  for (const { split, label, count } of PLAN) {
    for (let i = 0; i < count; i++, n++) {
      const id = `ISIC_${String(n).padStart(7, '0')}`;
      const key = addLabelled(manifest, id, split, label, label ? {} : { diagnosis: 'bcc' });
      const pixels = new Uint8Array(SIZE * SIZE * 3);
      const mask = new Uint8Array(SIZE * SIZE);
      const [r, g, b] = label ? COLOURS[label] : OTHER_COLOUR;
      for (let p = 0; p < SIZE * SIZE; p++) {
        const x = p % SIZE;
        const y = Math.floor(p / SIZE);
        if ((x - 16) ** 2 + (y - 16) ** 2 > 64 + (n % 5) * 8) continue;
        mask[p] = 255;
        pixels.set([r + (n % 7), g, b - (n % 5)], p * 3);
      }
      masked.push({ key, size: SIZE, pixels, mask });
    }
  }
  await storeTruthMasked(manifest, masked);
});

describe('trainClassifier', () => {
  it('fine-tunes on oversampled masked images, stops, and resumes with no tensor left behind', async () => {
    const before = tf.memory().numTensors;
    const signal = { stopped: false };
    const first = collect();
    const stopped = await trainClassifier(
      { preset: 'quick', choices: { batchSize: 8, epochs: 3 } },
      'cpu',
      (p) => {
        first.report(p);
        if (p.kind === 'epoch') signal.stopped = true;
      },
      signal,
    );
    expect(stopped).toMatchObject({ status: 'stopped', epochsDone: 1, kind: 'classifier' });
    // Oversampled: 12 of each class.
    expect(stopped.images).toEqual({ train: 36, val: 9 });
    expect(stopped.config).toMatchObject({
      mode: 'fine-tune',
      balance: 'oversample',
      batchSize: 8,
    });
    expect(tf.memory().numTensors).toBe(before);
    const figures = stopped.history[0];
    expect(Object.keys(figures?.val ?? {}).sort()).toEqual(
      Object.values(CLASSIFIER_METRICS).sort(),
    );
    const predictions = await loadRunState<StoredPredictions>(predictionsKey(stopped.id));
    expect(predictions?.keys).toHaveLength(9);
    expect(predictions?.labels.slice(0, 3)).toEqual([0, 0, 0]);
    expect(predictions?.probabilities).toHaveLength(27);
    // The best epoch's calibration, fitted on those predictions, is stored with the run.
    const calibration = (p: StoredPredictions | undefined) => ({
      ...fitCalibration(p?.labels ?? [], p?.probabilities ?? []),
      epoch: p?.epoch,
    });
    expect(stopped.calibration).toEqual(calibration(predictions));
    expect((await loadRun(stopped.id))?.calibration).toEqual(calibration(predictions));

    const resumed = await trainClassifier(
      { preset: 'quick', resumeRunId: stopped.id },
      'cpu',
      () => undefined,
      { stopped: false },
    );
    expect(resumed.status).toMatch(/finished|early-stop/);
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2].slice(0, resumed.epochsDone));
    expect(resumed.history[0]).toEqual(stopped.history[0]);
    // A later best epoch is calibrated afresh, on its own predictions.
    const best = await loadRunState<StoredPredictions>(predictionsKey(stopped.id));
    expect(best?.epoch).toBe(resumed.bestEpoch);
    expect((await loadRun(stopped.id))?.calibration).toEqual(calibration(best));
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('trains a head on stored backbone features and checkpoints the whole classifier', async () => {
    const before = tf.memory().numTensors;
    const { events, report } = collect();
    const run = await trainClassifier(
      {
        preset: 'quick',
        choices: {
          mode: 'frozen',
          balance: 'class-weights',
          batchSize: 4,
          epochs: 6,
          // A random backbone's features are about 0.01 here (a pretrained one's are about 1): at
          // 1e-2 the head's logits barely moved in 6 epochs and its AUC stayed at the luck of its
          // initial weights (CI once saw 0); at 0.5 the first epoch ranked every melanoma first
          // in 12 of 12 runs.
          learningRate: 0.5,
        },
      },
      'cpu',
      report,
      { stopped: false },
    );
    expect(run.config.mode).toBe('frozen');
    expect(run.images).toEqual({ train: 20, val: 9 });
    const prepared = events.filter((e) => e.kind === 'prepare');
    expect(prepared.at(-1)).toMatchObject({ done: 29, total: 29 });
    expect(tf.memory().numTensors).toBe(before);
    // Colour alone tells the classes apart: the melanoma AUC of the best epoch is high.
    const best = run.history.find((h) => h.epoch === run.bestEpoch);
    expect(best?.val[CLASSIFIER_METRICS.melanomaAuc]).toBeGreaterThan(0.8);
    expect(run.bestValue).toBe(best?.val[CLASSIFIER_METRICS.melanomaAuc]);
    // The checkpoint is the whole classifier: photos in, three probabilities out.
    const model = await loadModel('classifier', run.id, 'best');
    expect(model.inputs[0]?.shape).toEqual([null, SIZE, SIZE, 3]);
    expect(model.outputs[0]?.shape).toEqual([null, CLASSES.length]);
    model.dispose();
  }, 120_000);

  it('learns the images of other diagnoses as a fourth class, and scores the three', async () => {
    const before = tf.memory().numTensors;
    const run = await trainClassifier(
      { preset: 'quick', choices: { otherClass: true, batchSize: 8, epochs: 1 } },
      'cpu',
      () => undefined,
      { stopped: false },
    );
    expect(run.config).toMatchObject({ otherClass: true, model: { classes: 4 } });
    // Oversampled: 12 of each of the four classes; validation keeps the three classes' 9.
    expect(run.images).toEqual({ train: 48, val: 9 });
    const predictions = await loadRunState<StoredPredictions>(predictionsKey(run.id));
    expect(predictions?.labels).toHaveLength(9);
    expect(Math.max(...(predictions?.labels ?? []))).toBe(2);
    // Three probabilities per image, the first three outputs renormalised: each row sums to 1.
    const p = predictions?.probabilities ?? new Float32Array();
    expect(p).toHaveLength(27);
    const sums = Array.from({ length: 9 }, (_, i) =>
      [0, 1, 2].reduce((sum, c) => sum + (p[3 * i + c] as number), 0),
    );
    for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
    const model = await loadModel('classifier', run.id, 'best');
    expect(model.outputs[0]?.shape).toEqual([null, 4]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 120_000);

  it('refuses to train without masked images of the current dataset', async () => {
    await saveMaskingSummary({ source: { kind: 'truth' }, datasetRevision: -1 });
    await expect(
      trainClassifier({ preset: 'quick' }, 'cpu', () => undefined, { stopped: false }),
    ).rejects.toThrow('apply the masks again');
  });
});
