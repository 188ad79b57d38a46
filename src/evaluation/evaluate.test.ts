import '../training/browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadManifest, saveManifest } from '../dataset/storage.ts';
import { CLASSES } from '../dataset/types.ts';
import { TEMPERATURE_RANGE, fitCalibration } from '../metrics/calibration.ts';
import { imageTensor } from '../loader/batches.ts';
import { modelUrl } from '../runs/checkpoint.ts';
import { deleteRunState, loadRun, saveRun, saveRunState, type RunRecord } from '../runs/runs.ts';
import { saveModel } from '../runs/saveModel.ts';
import { evaluateClassifier } from './evaluate.ts';
import {
  RUN,
  SIZE,
  classifier,
  collect,
  groups,
  maskedImages,
  seedEvaluation,
} from './evaluate.testSupport.ts';
import { evaluationKey, loadEvaluation } from './record.ts';

beforeAll(seedEvaluation);

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
