import { describe, expect, it } from 'vitest';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { applyCalibration } from '../../metrics/calibration.ts';
import {
  asPredictions,
  clinicalAucs,
  clinicalByDefault,
  melanomaAucs,
  plainView,
  probabilityView,
  ttaByDefault,
} from './probabilityView.ts';

// Four images, melanoma, nevus, melanoma, nevus. Plain p_melanoma 0.6, 0.7, 0.4, 0.1: AUC 2/4;
// with TTA 0.7, 0.3, 0.5, 0.1: AUC 1.
const PLAIN = Float32Array.from([0.3, 0.6, 0.1, 0.2, 0.7, 0.1, 0.5, 0.4, 0.1, 0.8, 0.1, 0.1]);
const TTA = Float32Array.from([0.2, 0.7, 0.1, 0.6, 0.3, 0.1, 0.4, 0.5, 0.1, 0.8, 0.1, 0.1]);

const old: EvaluationRecord = {
  runId: 'run-1',
  split: 'test',
  epoch: 3,
  createdAt: '2025-01-01T00:00:00.000Z',
  seconds: 1,
  backend: 'cpu',
  datasetRevision: 1,
  stale: false,
  keys: ['isic_1', 'isic_2', 'isic_3', 'isic_4'],
  ids: ['ISIC_1', 'ISIC_2', 'ISIC_3', 'ISIC_4'],
  labels: [1, 0, 1, 0],
  probabilities: PLAIN,
  unlabeled: 0,
};
const full: EvaluationRecord = {
  ...old,
  ttaProbabilities: TTA,
  calibration: { temperature: 2, biases: [0, -1, -1], ttaTemperature: 0.5, ttaBiases: [0, -2, 1] },
  groups: ['IL_1', 'IL_1', '', ''],
};
const none = { tta: null, calibrated: null };

describe('ttaByDefault', () => {
  it('is on where the record has TTA, unless TTA lowers the validation melanoma AUC', () => {
    expect(ttaByDefault(old, undefined)).toBe(false);
    expect(ttaByDefault(full, undefined)).toBe(true);
    expect(ttaByDefault(full, old)).toBe(true); // a validation record without TTA decides nothing
    expect(ttaByDefault(full, { ...full, split: 'val' })).toBe(true); // 1 >= 0.5
    const worse = { ...full, split: 'val' as const, probabilities: TTA, ttaProbabilities: PLAIN };
    expect(ttaByDefault(full, worse)).toBe(false); // 0.5 < 1
  });
});

describe('probabilityView', () => {
  const ttaCalibration = { temperature: 0.5, biases: [0, -2, 1] };
  const plainCalibration = { temperature: 2, biases: [0, -1, -1] };

  it('by default shows TTA calibrated with the TTA calibration', () => {
    const view = probabilityView(full, none, true);
    expect(view).toMatchObject({
      tta: true,
      calibrated: true,
      calibration: ttaCalibration,
      fitted: ttaCalibration,
      canTta: true,
      canCalibrate: true,
    });
    expect(view.uncalibrated).toBe(TTA);
    expect(view.probabilities).toEqual(applyCalibration(TTA, ttaCalibration));
    expect(view.calibratedProbabilities).toBe(view.probabilities);
  });

  it('follows the boxes: plain with its own calibration, or uncalibrated', () => {
    const plain = probabilityView(full, { tta: false, calibrated: null }, true);
    expect(plain).toMatchObject({ tta: false, calibration: plainCalibration });
    expect(plain.probabilities).toEqual(applyCalibration(PLAIN, plainCalibration));
    const raw = probabilityView(full, { tta: true, calibrated: false }, false);
    expect(raw).toMatchObject({
      tta: true,
      calibrated: false,
      calibration: null,
      fitted: ttaCalibration,
    });
    expect(raw.probabilities).toBe(TTA);
    expect(raw.calibratedProbabilities).toEqual(applyCalibration(TTA, ttaCalibration));
  });

  it('calibrates records from before the biases with their temperature alone', () => {
    const older = { ...full, calibration: { temperature: 2, ttaTemperature: 0.5 } };
    const view = probabilityView(older, none, true);
    expect(view.calibration).toEqual({ temperature: 0.5 });
    expect(view.probabilities).toEqual(applyCalibration(TTA, { temperature: 0.5 }));
  });

  it('offers only what the record holds', () => {
    const view = probabilityView(old, { tta: true, calibrated: true }, true);
    expect(view).toMatchObject({ tta: false, calibrated: false, canTta: false });
    expect(view.canCalibrate).toBe(false);
    expect(view.probabilities).toBe(PLAIN);
    // A calibration for the plain predictions only: TTA cannot be calibrated.
    const plainOnly = { ...full, calibration: { temperature: 2 } };
    expect(probabilityView(plainOnly, none, true)).toMatchObject({
      tta: true,
      calibrated: false,
      canCalibrate: false,
      calibration: null,
    });
    expect(plainView(full)).toMatchObject({ tta: false, calibrated: false, probabilities: PLAIN });
  });
});

describe('asPredictions and melanomaAucs', () => {
  it('hand the view and the lesion ids to src/metrics', () => {
    const view = probabilityView(full, none, true);
    const predictions = asPredictions(full, view);
    expect(predictions.probabilities).toBe(view.probabilities);
    expect(predictions.groups).toEqual(['IL_1', 'IL_1', '', '']);
    expect(predictions.view).toEqual({
      tta: true,
      calibration: { temperature: 0.5, biases: [0, -2, 1] },
      uncalibrated: TTA,
    });
    expect(asPredictions(old).view).toEqual({ tta: false, calibration: null, uncalibrated: PLAIN });
  });

  it('gives the melanoma AUC with and without TTA, or null without TTA', () => {
    expect(melanomaAucs(full, false)).toEqual({ plain: 0.5, tta: 1 });
    expect(melanomaAucs(old, null)).toBeNull();
  });
});

describe('age, sex and site', () => {
  // Clinical log-probabilities that put the two melanomas (images 1 and 3) far ahead: with them
  // the plain view's melanoma AUC goes from 0.5 to 1.
  const LOGS = Float32Array.from([-2, -0.2, -2, -0.2, -2, -2, -2, -0.2, -2, -0.2, -2, -2]);
  const model = {
    age: null,
    sex: null,
    sites: [],
    siteShares: [],
    weights: [[0], [0], [0]],
    images: 9,
  };
  const plainWith = { temperature: 2, biases: [0, -1, -1], clinicalWeight: 3 };
  const ttaWith = { temperature: 0.5, biases: [0, -2, 1], clinicalWeight: 4 };
  const clinical: EvaluationRecord = {
    ...full,
    clinical: LOGS,
    calibration: {
      ...full.calibration,
      temperature: 2,
      clinical: { model, plain: plainWith, tta: ttaWith },
    },
  };

  it('are weighed by default where fitted, only with calibration, and can be left out', () => {
    const view = probabilityView(clinical, none, true);
    expect(view).toMatchObject({ tta: true, calibrated: true, clinical: true, canClinical: true });
    expect(view.calibration).toEqual(ttaWith);
    expect(view.probabilities).toEqual(applyCalibration(TTA, ttaWith, 3, LOGS));
    const imageOnly = probabilityView(clinical, { ...none, clinical: false }, true);
    expect(imageOnly).toMatchObject({ clinical: false, canClinical: true });
    expect(imageOnly.calibration).toEqual({ temperature: 0.5, biases: [0, -2, 1] });
    const uncalibrated = probabilityView(clinical, { tta: false, calibrated: false }, true);
    expect(uncalibrated).toMatchObject({
      clinical: false,
      calibration: null,
      probabilities: PLAIN,
    });
    // The default can be off; a record without the clinical scores cannot weigh them.
    expect(probabilityView(clinical, none, true, false).clinical).toBe(false);
    const withoutLogs: EvaluationRecord = { ...full, calibration: clinical.calibration };
    expect(probabilityView(withoutLogs, none, true)).toMatchObject({
      clinical: false,
      canClinical: false,
    });
    expect(probabilityView(full, none, true).canClinical).toBe(false);
    expect(asPredictions(clinical, view).view?.calibration?.clinicalWeight).toBe(4);
  });

  it('give the melanoma AUC from the image alone and with them; on by default unless they lower the validation AUC', () => {
    expect(clinicalAucs(clinical, false)).toEqual({ image: 0.5, clinical: 1 });
    expect(clinicalAucs(full, false)).toBeNull();
    const val = { ...clinical, split: 'val' as const };
    expect(clinicalByDefault(val)).toBe(true);
    expect(clinicalByDefault(null)).toBe(true);
    // Logs that favour the nevi lower the validation AUC: off.
    const misleading = Float32Array.from(LOGS.map((_, i) => LOGS[(i + 3) % 12] as number));
    expect(clinicalAucs({ ...val, clinical: misleading }, false)?.clinical).toBeLessThan(0.5);
    expect(clinicalAucs({ ...val, clinical: misleading }, true)?.clinical).toBeLessThan(1);
    expect(clinicalByDefault({ ...val, clinical: misleading })).toBe(false);
  });
});
