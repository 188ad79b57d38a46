import '../training/browserLike.testSetup.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { addLabelled } from '../dataset/manifest.testSupport.ts';
import { loadManifest, saveManifest, saveMaskingSummary } from '../dataset/storage.ts';
import { CLASSES } from '../dataset/types.ts';
import { fitCalibration } from '../metrics/calibration.ts';
import { clinicalLogs } from '../metrics/clinical.ts';
import { LESION_MEASURES } from '../metrics/lesion/measures.ts';
import { deleteRunState, loadRun } from '../runs/runs.ts';
import { evaluateClassifier } from './evaluate.ts';
import { RUN, seedEvaluation } from './evaluate.testSupport.ts';
import { evaluationKey, loadEvaluation } from './record.ts';

beforeAll(seedEvaluation);

/** Evaluates the test split afresh: the validation evaluation, and so the calibration, made again. */
async function evaluateTestAfresh() {
  await deleteRunState(evaluationKey(RUN, 'val'));
  return evaluateClassifier({ runId: RUN, split: 'test' }, 'cpu', () => undefined, {
    stopped: false,
  });
}

describe('evaluateClassifier with clinical data', () => {
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
    try {
      const test = await evaluateTestAfresh();
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
    try {
      const test = await evaluateTestAfresh();
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
      const earlier = await evaluateTestAfresh();
      expect(earlier?.calibration).toBeDefined();
      expect(earlier?.calibration?.clinical).toBeUndefined();
    } finally {
      await saveManifest(original);
      await saveMaskingSummary({ ...summary, images: [] });
      await deleteRunState(evaluationKey(RUN, 'val'));
    }
  }, 60_000);
});
