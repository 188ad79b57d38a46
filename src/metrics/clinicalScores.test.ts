import { describe, expect, it } from 'vitest';
import { applyCalibration } from './calibration.ts';
import { clinicalLogProbabilities, fitClinicalModel } from './clinical.ts';
import { NO_CLINICAL, runClinicalCalibration, shownScores } from './clinicalScores.ts';

// Melanoma (1) with the old, keratosis (2) on the face: a clinical model that has learned both.
const model = fitClinicalModel(
  Array.from({ length: 300 }, (_, i) => ({
    age: 20 + (i % 60),
    sex: i % 2 ? 'male' : 'female',
    site: i % 3 ? 'back' : 'face',
    label: i % 60 > 45 ? 1 : i % 3 === 0 && i % 60 > 30 ? 2 : 0,
  })),
  3,
);
if (!model) throw new Error('no model');
const imageOnly = { temperature: 1.2, biases: [0, -1.5, -1.2] };
const withData = { temperature: 1.1, biases: [0, -1.4, -1.1], clinicalWeight: 0.8 };
const calibration = {
  temperature: 1.3,
  ttaTemperature: imageOnly.temperature,
  ttaBiases: imageOnly.biases,
  clinical: { model, plain: { ...withData, temperature: 1.7 }, tta: withData },
  epoch: 4,
};
const photo = {
  ttaProbabilities: [0.5, 0.3, 0.2],
  calibration: imageOnly,
  clinicalCalibration: { model, calibrator: withData },
  measures: null,
};

describe('shownScores', () => {
  it('calibrates from the image alone until an age, sex or known site is given', () => {
    const alone = shownScores(photo, NO_CLINICAL);
    const expected = Array.from(applyCalibration([0.5, 0.3, 0.2], imageOnly));
    expect(alone).toEqual({
      probabilities: expected,
      melanoma: expected[1],
      clinical: false,
      patient: false,
      measured: false,
    });
    // A site the model has no indicator for adds nothing.
    expect(shownScores(photo, { ...NO_CLINICAL, site: 'palms/soles' })).toEqual(alone);
    const old = shownScores(photo, { age: 78, sex: null, site: null });
    expect(old).toMatchObject({ clinical: true, patient: true, measured: false });
    // Measures weigh nothing in a model that did not learn them.
    expect(shownScores({ ...photo, measures: [0.5, 2] }, NO_CLINICAL)).toEqual(alone);
    const logs = clinicalLogProbabilities(model, { age: 78, sex: null, site: null });
    expect(old.probabilities).toEqual(
      Array.from(applyCalibration([0.5, 0.3, 0.2], withData, 3, logs)),
    );
    expect(old.melanoma).toBeGreaterThan(
      shownScores(photo, { age: 25, sex: null, site: null }).melanoma,
    );
    // A run without a calibration with clinical data ignores them.
    expect(
      shownScores({ ...photo, clinicalCalibration: null }, { age: 78, sex: 'male', site: 'back' }),
    ).toEqual(alone);
  });
});

describe('shownScores with lesion measures', () => {
  // Melanoma (1) where the first measure is high, whatever the age; the second is noise.
  const measured = fitClinicalModel(
    Array.from({ length: 300 }, (_, i) => ({
      age: 20 + (i % 60),
      sex: null,
      site: null,
      measures: [i % 7 === 0 ? 0.6 + (i % 5) / 20 : 0.2 + (i % 5) / 20, (i * 37) % 11],
      label: i % 7 === 0 ? 1 : 0,
    })),
    2,
  );
  if (!measured) throw new Error('no model');
  const scores = (measures: number[] | null, values = NO_CLINICAL) =>
    shownScores(
      {
        ttaProbabilities: [0.6, 0.4],
        calibration: { temperature: 1 },
        clinicalCalibration: { model: measured, calibrator: { temperature: 1, clinicalWeight: 1 } },
        measures,
      },
      values,
    );

  it("weighs the photo's measures without any field given, and the fields beside them", () => {
    const alone = scores(null);
    expect(alone).toMatchObject({ clinical: false, patient: false, measured: false });
    const large = scores([0.7, 5]);
    expect(large).toMatchObject({ clinical: true, patient: false, measured: true });
    expect(large.probabilities[1]).toBeGreaterThan(alone.probabilities[1] as number);
    expect(scores([0.25, 5]).probabilities[1]).toBeLessThan(alone.probabilities[1] as number);
    const withAge = scores([0.7, 5], { age: 70, sex: null, site: null });
    expect(withAge).toMatchObject({ clinical: true, patient: true, measured: true });
    // The wrong number of measures, or a non-finite one, counts as none.
    expect(scores([0.7])).toEqual(alone);
    expect(scores([0.7, Number.NaN])).toEqual(alone);
  });
});

describe('runClinicalCalibration', () => {
  it("is the best checkpoint's, of the view Diagnose calibrates, with its model", () => {
    const run = { bestEpoch: 4, calibration };
    expect(runClinicalCalibration(run, 'tta')).toEqual({ model, calibrator: withData });
    expect(runClinicalCalibration(run, 'plain')?.calibrator.temperature).toBe(1.7);
    expect(runClinicalCalibration(run, null)).toBeNull();
    expect(runClinicalCalibration({ ...run, bestEpoch: 5 }, 'tta')).toBeNull();
    const imageAlone = {
      temperature: 1.3,
      ttaTemperature: imageOnly.temperature,
      ttaBiases: imageOnly.biases,
      epoch: 4,
    };
    expect(runClinicalCalibration({ bestEpoch: 4, calibration: imageAlone }, 'tta')).toBeNull();
  });
});
