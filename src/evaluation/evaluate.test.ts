import '../training/browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { emptyManifest } from '../dataset/manifest.ts';
import { addLabelled } from '../dataset/manifest.testSupport.ts';
import { loadManifest, putMasked, saveManifest, saveMaskingSummary } from '../dataset/storage.ts';
import { CLASSES, type LesionClass, type Split } from '../dataset/types.ts';
import { TEMPERATURE_RANGE, fitCalibration } from '../metrics/calibration.ts';
import { clinicalLogs } from '../metrics/clinical.ts';
import { LESION_MEASURES } from '../metrics/lesion/measures.ts';
import { imageTensor } from '../loader/batches.ts';
import { modelUrl } from '../runs/checkpoint.ts';
import { deleteRunState, loadRun, saveRun, saveRunState, type RunRecord } from '../runs/runs.ts';
import { saveModel } from '../runs/saveModel.ts';
import { evaluateClassifier, type EvaluationProgress } from './evaluate.ts';
import { evaluationKey, loadEvaluation } from './record.ts';

const SIZE = 16;
const RUN = 'classifier-test-tta';

/** 6 images in each of val and test, two of each class; test images come in lesions of two. */
const PLAN: { split: Split; label: LesionClass }[] = (['val', 'test'] as const).flatMap((split) =>
  CLASSES.flatMap((label) => [
    { split, label },
    { split, label },
  ]),
);

/** A small classifier that sees where things are, so its 8 views disagree. */
function classifier(classes: number = CLASSES.length): tf.LayersModel {
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

function collect() {
  const events: EvaluationProgress[] = [];
  return { events, report: (p: EvaluationProgress) => events.push(p) };
}

let groups: Record<string, string>;
/** The masked images, by key. */
const maskedImages = new Map<string, { size: number; pixels: Uint8Array }>();

beforeAll(async () => {
  await tf.setBackend('cpu');
  const manifest = emptyManifest(SIZE);
  const masked = [];
  groups = {};
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
  await saveManifest(manifest);
  await putMasked(masked);
  await saveMaskingSummary({
    source: { kind: 'truth' },
    epoch: null,
    datasetId: manifest.datasetId,
    datasetRevision: manifest.revision,
    createdAt: new Date(0).toISOString(),
    images: [],
  });
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
});

describe('evaluateClassifier', () => {
  it('predicts plain and 8-view probabilities, calibrates the test split on the validation split, and keeps lesion ids', async () => {
    const before = tf.memory().numTensors;
    const { events, report } = collect();
    const test = await evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', report, {
      stopped: false,
    });
    expect(tf.memory().numTensors).toBe(before);
    if (!test) throw new Error('no record');
    // No validation evaluation was stored: its 6 images were predicted too.
    expect(events.at(-1)).toEqual({ kind: 'evaluation', done: 12, total: 12 });
    expect(test.keys).toHaveLength(6);
    expect(test.probabilities).toHaveLength(18);
    expect(test.ttaProbabilities).toHaveLength(18);
    const tta = test.ttaProbabilities ?? new Float32Array();
    // Rows of both sum to 1, and the views' mean is not the plain prediction.
    for (let i = 0; i < 6; i++) {
      const sum = (p: Float32Array) => p.subarray(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0);
      expect(sum(test.probabilities)).toBeCloseTo(1, 5);
      expect(sum(tta)).toBeCloseTo(1, 5);
    }
    expect(Array.from(tta).some((p, i) => Math.abs(p - (test.probabilities[i] ?? p)) > 1e-4)).toBe(
      true,
    );
    expect(test.groups).toEqual(test.keys.map((k) => groups[k]));
    expect(test.groups?.filter((g) => g !== '')).toHaveLength(4);

    // The validation evaluation was stored on the way, and its predictions made the calibrations.
    const val = await loadEvaluation(RUN, 'val');
    expect(val).toMatchObject({ split: 'val', epoch: 2, unlabeled: 0 });
    expect(val?.groups).toEqual(['', '', '', '', '', '']);
    const plain = fitCalibration(val?.labels ?? [], val?.probabilities ?? []);
    const views = fitCalibration(val?.labels ?? [], val?.ttaProbabilities ?? []);
    const expected = {
      temperature: plain.temperature,
      ...(plain.biases ? { biases: plain.biases } : {}),
      ttaTemperature: views.temperature,
      ...(views.biases ? { ttaBiases: views.biases } : {}),
    };
    expect(test.calibration).toEqual(expected);
    expect(val?.calibration).toEqual(expected);
    for (const t of [plain.temperature, views.temperature]) {
      expect(t).toBeGreaterThanOrEqual(TEMPERATURE_RANGE[0]);
      expect(t).toBeLessThanOrEqual(TEMPERATURE_RANGE[1]);
    }
    // The run keeps them for Diagnose, replacing training's plain one; the rest of it as it was.
    const run = await loadRun(RUN);
    expect(run?.calibration).toEqual({ ...expected, epoch: 2 });
    expect(run).toMatchObject({ status: 'finished', bestEpoch: 2, epochsDone: 3 });
    expect(await loadEvaluation(RUN, 'test')).toMatchObject({ calibration: test.calibration });
  }, 60_000);

  it('scores a classifier that learned an "other" class on the three classes alone', async () => {
    const id = 'classifier-test-other';
    const model = classifier(CLASSES.length + 1);
    await saveModel(model, modelUrl('classifier', id, 'best'));
    const run = (await loadRun(RUN)) as RunRecord;
    await saveRun({ ...run, id, config: { otherClass: true } });
    const test = await evaluateClassifier({ runId: id, split: 'test' }, 'cpu', () => undefined, {
      stopped: false,
    });
    if (!test) throw new Error('no record');
    // The six test images of the three classes; the carcinoma is left out with them.
    expect(test.keys).toHaveLength(6);
    expect(test.unlabeled).toBe(1);
    // Each image's probabilities are the model's first three outputs renormalised.
    const x = imageTensor(
      test.keys.map((k) => maskedImages.get(k) as { size: number; pixels: Uint8Array }),
      SIZE,
    );
    const four = model.predict(x) as tf.Tensor2D;
    const expected = Array.from(four.dataSync()).flatMap((_, i, all) => {
      if (i % 4 !== 0) return [];
      const three = all.slice(i, i + 3);
      const sum = three.reduce((a, b) => a + b, 0);
      return three.map((p) => p / sum);
    });
    expect(test.probabilities).toHaveLength(18);
    Array.from(test.probabilities).forEach((p, i) => expect(p).toBeCloseTo(expected[i] ?? NaN, 5));
    tf.dispose([x, four]);
    model.dispose();
  }, 60_000);

  it('reuses a stored validation evaluation of the same epoch, and evaluates that split on itself', async () => {
    const stored = await loadEvaluation(RUN, 'val');
    const { events, report } = collect();
    const test = await evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', report, {
      stopped: false,
    });
    // Only the test split was predicted; the validation record is the one stored before.
    expect(events.at(-1)).toEqual({ kind: 'evaluation', done: 6, total: 6 });
    expect((await loadEvaluation(RUN, 'val'))?.createdAt).toBe(stored?.createdAt);
    expect(test?.calibration).toEqual(stored?.calibration);

    const val = await evaluateClassifier({ runId: RUN, split: 'val' }, 'cpu', () => undefined, {
      stopped: false,
    });
    expect(val?.probabilities).toEqual(stored?.probabilities);
    expect(val?.calibration).toEqual(stored?.calibration);

    // A validation record of another epoch (an older best checkpoint) is predicted again.
    if (!val) throw new Error('no record');
    await saveRunState(evaluationKey(RUN, 'val'), { ...val, epoch: 1 });
    const again = collect();
    await evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', again.report, {
      stopped: false,
    });
    expect(again.events.at(-1)).toMatchObject({ done: 12, total: 12 });
    expect((await loadEvaluation(RUN, 'val'))?.epoch).toBe(2);
  }, 60_000);

  it('with age, sex and site in the metadata, also calibrates with them (learned on the train split) and keeps every image’s clinical log-probabilities', async () => {
    const original = await loadManifest();
    if (!original) throw new Error('no manifest');
    const manifest = structuredClone(original);
    // 30 train images (labels and metadata only: evaluation reads no train pixels), melanoma and
    // keratosis older, and metadata for every val and test image.
    CLASSES.forEach((label, c) => {
      for (let i = 0; i < 10; i++) {
        const id = `ISIC_01${c}${String(i).padStart(4, '0')}`;
        addLabelled(manifest, id, 'train', label);
      }
    });
    for (const [key, row] of Object.entries(manifest.labels)) {
      if (!row.label) continue;
      const c = CLASSES.indexOf(row.label);
      const n = Number(row.id.slice(-2));
      manifest.metadata[key] = {
        id: row.id,
        key,
        age: 30 + 15 * c + (n % 7),
        sex: n % 2 ? 'male' : 'female',
        site: null,
      };
    }
    await saveManifest(manifest);
    await deleteRunState(evaluationKey(RUN, 'val'));
    try {
      const test = await evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', () => undefined, {
        stopped: false,
      });
      const val = await loadEvaluation(RUN, 'val');
      if (!test || !val) throw new Error('no record');
      const fitted = test.calibration?.clinical;
      if (!fitted) throw new Error('no calibration with clinical data');
      expect(fitted.model.images).toBe(30);
      // 30 + 15 c, plus i mod 7 for i = 0…9 (2.4 on average)
      expect(fitted.model.age?.mean).toBeCloseTo(47.4, 6);
      const valuesOf = (keys: string[]) =>
        keys.map((key) => ({
          age: manifest.metadata[key]?.age ?? null,
          sex: manifest.metadata[key]?.sex ?? null,
          site: null,
        }));
      expect(test.clinical).toEqual(clinicalLogs(fitted.model, valuesOf(test.keys)));
      expect(val.clinical).toEqual(clinicalLogs(fitted.model, valuesOf(val.keys)));
      // Fitted on validation, for one view and for the views' mean; the image-only ones as before.
      expect(fitted.plain).toEqual(fitCalibration(val.labels, val.probabilities, 3, val.clinical));
      expect(fitted.tta).toEqual(
        fitCalibration(val.labels, val.ttaProbabilities ?? [], 3, val.clinical),
      );
      expect(test.calibration?.temperature).toBe(
        fitCalibration(val.labels, val.probabilities).temperature,
      );
      expect((await loadRun(RUN))?.calibration?.clinical).toEqual(fitted);
    } finally {
      await saveManifest(original);
      await deleteRunState(evaluationKey(RUN, 'val'));
    }
  }, 60_000);

  it("with the masking summary's lesion measures, weighs them in the clinical model", async () => {
    const original = await loadManifest();
    if (!original) throw new Error('no manifest');
    // 30 train images without metadata: the measures are all the clinical model has.
    const manifest = structuredClone(original);
    CLASSES.forEach((label, c) => {
      for (let i = 0; i < 10; i++)
        addLabelled(manifest, `ISIC_02${c}${String(i).padStart(4, '0')}`, 'train', label);
    });
    await saveManifest(manifest);
    // Every measure per labelled image: the first grows with the class, the second is noise, the
    // rest are constant.
    const measures = new Map(
      Object.values(manifest.labels).flatMap(({ key, id, label }) => {
        if (!label) return [];
        const grows = CLASSES.indexOf(label) + (id.charCodeAt(id.length - 1) % 3) / 4;
        return [[key, LESION_MEASURES.map((_, k) => [grows, id.length % 5][k] ?? 1)]];
      }),
    );
    const summary = {
      source: { kind: 'truth' },
      epoch: null,
      datasetId: manifest.datasetId,
      datasetRevision: manifest.revision,
      createdAt: new Date(0).toISOString(),
      images: [...measures].map(([key, m]) => ({
        key,
        split: 'train',
        jaccard: null,
        dice: null,
        measures: m,
      })),
    };
    await saveMaskingSummary(summary);
    await deleteRunState(evaluationKey(RUN, 'val'));
    try {
      const test = await evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', () => undefined, {
        stopped: false,
      });
      const fitted = test?.calibration?.clinical;
      if (!test || !fitted) throw new Error('no calibration with clinical data');
      const scales = fitted.model.measures;
      if (!scales) throw new Error('no measures learned');
      expect(fitted.model).toMatchObject({ images: 30, age: null, sex: null, sites: [] });
      const trainMeasures = Object.values(manifest.labels)
        .filter((r) => r.label && r.fileSplit === 'train')
        .map((r) => measures.get(r.key)?.[0] as number);
      expect(scales.mean[0]).toBeCloseTo(
        trainMeasures.reduce((a, b) => a + b, 0) / trainMeasures.length,
        6,
      );
      expect(test.clinical).toEqual(
        clinicalLogs(
          fitted.model,
          test.keys.map((key) => ({
            age: null,
            sex: null,
            site: null,
            measures: measures.get(key),
          })),
        ),
      );
      // Measures of an earlier version of the app (fewer of them) are not read: with nothing else,
      // there are no clinical data.
      await saveMaskingSummary({
        ...summary,
        images: summary.images.map((i) => ({ ...i, measures: i.measures.slice(0, 16) })),
      });
      await deleteRunState(evaluationKey(RUN, 'val'));
      const earlier = await evaluateClassifier(
        { runId: RUN, split: 'test' },
        'cpu',
        () => undefined,
        {
          stopped: false,
        },
      );
      expect(earlier?.calibration).toBeDefined();
      expect(earlier?.calibration?.clinical).toBeUndefined();
    } finally {
      await saveManifest(original);
      await saveMaskingSummary({ ...summary, images: [] });
      await deleteRunState(evaluationKey(RUN, 'val'));
    }
  }, 60_000);

  it('leaves the test split uncalibrated when the validation split has no labels', async () => {
    const before = await loadRun(RUN);
    const manifest = await loadManifest();
    if (!manifest) throw new Error('no manifest');
    for (const [key, row] of Object.entries(manifest.labels)) {
      if (row.fileSplit === 'val') delete manifest.labels[key];
    }
    await saveManifest(manifest);
    await deleteRunState(evaluationKey(RUN, 'val'));
    const { events, report } = collect();
    const test = await evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', report, {
      stopped: false,
    });
    expect(events.at(-1)).toMatchObject({ done: 6, total: 6 });
    expect(test?.ttaProbabilities).toHaveLength(18);
    expect(test?.calibration).toBeUndefined();
    expect((await loadRun(RUN))?.calibration).toEqual(before?.calibration);
  }, 60_000);

  it('refuses masked images of another kind than the run learned from, storing nothing', async () => {
    const stored = await loadEvaluation(RUN, 'test');
    const run = (await loadRun(RUN)) as RunRecord;
    await saveRun({ ...run, config: { lesionCrop: true } });
    const refused = evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', () => undefined, {
      stopped: false,
    });
    await expect(refused).rejects.toThrow(
      /learned from images centred and zoomed on the lesion, and the current masked images are whole frames/,
    );
    expect((await loadEvaluation(RUN, 'test'))?.createdAt).toBe(stored?.createdAt);
    await saveRun(run);
  });

  it('stores nothing when stopped', async () => {
    const stored = await loadEvaluation(RUN, 'test');
    const signal = { stopped: false };
    const result = await evaluateClassifier(
      { runId: RUN, split: 'test' },
      'cpu',
      () => {
        signal.stopped = true;
      },
      signal,
    );
    expect(result).toBeNull();
    expect((await loadEvaluation(RUN, 'test'))?.createdAt).toBe(stored?.createdAt);
  }, 60_000);
});
