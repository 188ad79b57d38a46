import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import {
  applyCalibration,
  calibratedLoss,
  fitCalibration,
  fitTemperatures,
} from './calibration.ts';
import {
  MIN_SITE,
  TREES_MIN_IMAGES,
  clinicalFeatures,
  clinicalLogProbabilities,
  clinicalLogs,
  fitClinicalModel,
  hasClinicalData,
  type ClinicalModel,
  type ClinicalValues,
} from './clinical.ts';
import { rocAuc } from './roc.ts';
import { drawClass, softmax } from './softmax.testSupport.ts';

const SITES = ['back', 'face', 'lower extremity', 'trunk'];

/**
 * Patients whose class depends on age and site as the truth says: melanoma (1) more likely with
 * age and on the back, keratosis (2) with age and on the face; some values missing.
 */
function patients(count: number, seed: number) {
  const random = new Random(seed);
  return Array.from({ length: count }, () => {
    const age = 20 + 60 * random.next();
    const site = random.pick(SITES);
    const sex = random.pick(['male', 'female']);
    const z = [
      0,
      -1.5 + 0.05 * (age - 50) + (site === 'back' ? 1 : 0),
      -1.5 + 0.08 * (age - 50) + (site === 'face' ? 1.5 : 0),
    ];
    const label = drawClass(random, softmax(z));
    return {
      age: random.next() < 0.05 ? null : age,
      sex: random.next() < 0.05 ? 'unknown' : sex,
      site: random.next() < 0.05 ? null : site,
      label,
      truth: z,
    };
  });
}

describe('fitClinicalModel', () => {
  const train = patients(4000, 1);
  const model = fitClinicalModel(train, 3);

  it('learns what age and site say of each class, from the train images alone', () => {
    if (!model) throw new Error('no model');
    expect(model.images).toBe(4000);
    expect(model.sites).toEqual(SITES);
    expect(model.age?.mean).toBeGreaterThan(45);
    expect(model.age?.mean).toBeLessThan(55);
    const melanoma = (values: ClinicalValues) =>
      Math.exp(clinicalLogProbabilities(model, values)[1] as number);
    const keratosis = (values: ClinicalValues) =>
      Math.exp(clinicalLogProbabilities(model, values)[2] as number);
    const old = { age: 75, sex: null, site: 'back' };
    const young = { age: 25, sex: null, site: 'back' };
    expect(melanoma(old)).toBeGreaterThan(2 * melanoma(young));
    expect(keratosis({ age: 70, sex: null, site: 'face' })).toBeGreaterThan(
      2 * keratosis({ age: 70, sex: null, site: 'back' }),
    );
    // Sex says nothing here: its weights stay near 0 (the ridge and the data agree).
    const male = clinicalLogProbabilities(model, { age: 50, sex: 'male', site: 'trunk' });
    const female = clinicalLogProbabilities(model, { age: 50, sex: 'female', site: 'trunk' });
    male.forEach((v, c) => expect(Math.abs(v - (female[c] as number))).toBeLessThan(0.2));
    // Against the truth on new patients: the model's melanoma ranking is the truth's, nearly.
    const test = patients(2000, 2);
    const scores = clinicalLogs(model, test);
    const truth = test.map((p) => softmax(p.truth)[1] as number);
    const labels = test.map((p) => p.label === 1);
    const auc = rocAuc(
      labels,
      test.map((_, i) => scores[i * 3 + 1] as number),
    );
    const trueAuc = rocAuc(labels, truth);
    expect(auc).not.toBeNull();
    expect(Math.abs((auc as number) - (trueAuc as number))).toBeLessThan(0.02);
  });

  it('reads a missing or unusable value as the average patient: a zero feature', () => {
    if (!model) throw new Error('no model');
    const none = clinicalFeatures(model, { age: null, sex: null, site: null });
    expect(none.every((v) => v === 0)).toBe(true);
    // Unknown sex, a site it has no indicator for, and 'unknown' are missing too.
    expect(clinicalFeatures(model, { age: null, sex: 'unknown', site: 'palms/soles' })).toEqual(
      none,
    );
    expect(clinicalFeatures(model, { age: null, sex: '', site: 'Unknown' })).toEqual(none);
    // Case and spaces as files write them.
    expect(clinicalFeatures(model, { age: null, sex: ' Male', site: 'BACK' })).toEqual(
      clinicalFeatures(model, { age: null, sex: 'male', site: 'back' }),
    );
    expect(hasClinicalData(model, { age: null, sex: 'unknown', site: 'palms/soles' })).toBe(false);
    expect(hasClinicalData(model, { age: 40, sex: null, site: null })).toBe(true);
    expect(hasClinicalData(model, { age: null, sex: null, site: 'face' })).toBe(true);
  });

  it('gives a site its indicator only from MIN_SITE train images; none without clinical data or a class', () => {
    const rare = [
      ...patients(300, 3),
      ...Array.from({ length: MIN_SITE - 1 }, () => ({
        age: 50,
        sex: 'male',
        site: 'ear',
        label: 0,
      })),
    ];
    expect(fitClinicalModel(rare, 3)?.sites).not.toContain('ear');
    const blank = patients(100, 4).map((p) => ({ ...p, age: null, sex: null, site: null }));
    expect(fitClinicalModel(blank, 3)).toBeNull();
    expect(
      fitClinicalModel(
        patients(100, 5).filter((p) => p.label !== 2),
        3,
      ),
    ).toBeNull();
    expect(fitClinicalModel([], 3)).toBeNull();
    // One sex alone is a constant: no feature for it.
    const men = patients(300, 6).map((p) => ({ ...p, sex: 'male' }));
    expect(fitClinicalModel(men, 3)?.sex).toBeNull();
  });

  it("learns the lesion's measures, standardised, beside age, sex and site", () => {
    // Melanoma's first measure is larger by 1 on average (sd 0.5); the second is a constant.
    const random = new Random(7);
    const images = patients(600, 8).map((p) => ({
      ...p,
      measures: [(p.label === 1 ? 1 : 0) + 0.5 * random.normal(), 3],
    }));
    const fitted = fitClinicalModel(images, 3);
    const scales = fitted?.measures;
    if (!fitted || !scales) throw new Error('no measures learned');
    const firsts = images.map((i) => i.measures[0] as number);
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    expect(scales.mean[0]).toBeCloseTo(mean, 10);
    // A constant measure weighs nothing: scale 1 and a zero feature for any image.
    expect(scales.scale[1]).toBe(1);
    const features = (measures: number[] | null) =>
      clinicalFeatures(fitted, { age: null, sex: null, site: null, measures });
    expect(features([mean, 3]).every((v) => v === 0)).toBe(true);
    // The melanoma logit rises with the first measure; missing or malformed measures are zeros.
    const logs = (measures: number[] | null) =>
      clinicalLogProbabilities(fitted, { age: null, sex: null, site: null, measures });
    expect(logs([mean + 1, 3])[1]).toBeGreaterThan((logs([mean, 3])[1] as number) + 1);
    expect(features(null)).toEqual(features([mean, 3]));
    expect(features([mean + 1])).toEqual(features(null));
    expect(features([Number.NaN, 3])).toEqual(features(null));
    expect(hasClinicalData(fitted, { age: null, sex: null, site: null, measures: [0, 3] })).toBe(
      true,
    );
    // Measures alone make a model; images without them leave it without measures.
    const measuresOnly = images.map((i) => ({ ...i, age: null, sex: null, site: null }));
    expect(fitClinicalModel(measuresOnly, 3)?.measures).toEqual(scales);
    expect(fitClinicalModel(patients(300, 9), 3)?.measures).toBeNull();
  });
});

describe("the clinical model's boosted trees", () => {
  /** Melanoma grows likelier with age on the back and less likely with age elsewhere. */
  function interacting(count: number, seed: number) {
    const random = new Random(seed);
    return Array.from({ length: count }, () => {
      const age = 20 + 60 * random.next();
      const site = random.pick(SITES);
      const slope = site === 'back' ? 0.08 : -0.08;
      const z = [0, -1 + slope * (age - 50), -1];
      return {
        age,
        sex: random.pick(['male', 'female']),
        site,
        label: drawClass(random, softmax(z)),
      };
    });
  }
  const melanomaAuc = (model: ClinicalModel, people: ReturnType<typeof interacting>) => {
    const logs = clinicalLogs(model, people);
    return rocAuc(
      people.map((p) => p.label === 1),
      people.map((_, i) => logs[i * 3 + 1] as number),
    ) as number;
  };

  it('join the regression from TREES_MIN_IMAGES train images and read what it cannot: age by site', () => {
    expect(fitClinicalModel(interacting(TREES_MIN_IMAGES - 1, 1), 3)?.trees).toBeNull();
    const model = fitClinicalModel(interacting(4000, 2), 3);
    if (!model?.trees) throw new Error('no trees');
    const test = interacting(3000, 3);
    const alone = { ...model, trees: null };
    expect(melanomaAuc(model, test)).toBeGreaterThan(melanomaAuc(alone, test) + 0.1);
    // The mean of the two is normalised: the probabilities sum to 1.
    const logs = clinicalLogProbabilities(model, { age: 70, sex: 'male', site: 'back' });
    expect(logs.reduce((sum, v) => sum + Math.exp(v), 0)).toBeCloseTo(1, 12);
    expect(Math.exp(logs[1] as number)).toBeGreaterThan(
      2 *
        Math.exp(
          clinicalLogProbabilities(model, { age: 70, sex: 'male', site: 'face' })[1] as number,
        ),
    );
  });

  it('scores with a model stored before the trees, which has none', () => {
    const model = fitClinicalModel(interacting(1500, 4), 3);
    if (!model) throw new Error('no model');
    const { trees, ...before } = model;
    expect(trees).toBeTruthy();
    const values = { age: 60, sex: 'female', site: 'trunk' };
    expect(clinicalLogProbabilities(before, values)).toEqual(
      clinicalLogProbabilities({ ...model, trees: null }, values),
    );
    expect(clinicalLogProbabilities(before, values)).not.toEqual(
      clinicalLogProbabilities(model, values),
    );
  });
});

describe('calibration with clinical data', () => {
  /**
   * Images whose class depends on what the pixels show (the image model's score, over-confident
   * and with equal priors) and on age and site (which no pixel shows), independently.
   */
  function evaluation(count: number, seed: number) {
    const random = new Random(seed);
    const people = patients(count, seed + 100);
    const labels: number[] = [];
    const probabilities = new Float32Array(count * 3);
    people.forEach((person, i) => {
      const image = [0, 1, 2].map(() => random.uniform(-2, 2));
      const label = drawClass(
        random,
        softmax(image.map((v, c) => v + (person.truth[c] as number))),
      );
      labels.push(label);
      softmax(image.map((v) => v * 1.5)).forEach((p, c) => (probabilities[i * 3 + c] = p));
    });
    return { people, labels, probabilities };
  }

  const model = fitClinicalModel(patients(4000, 7), 3);
  if (!model) throw new Error('no model');
  const val = evaluation(3000, 8);
  const test = evaluation(3000, 9);
  const valLogs = clinicalLogs(model, val.people);
  const testLogs = clinicalLogs(model, test.people);

  it('weighs the clinical log-probabilities about as the truth does, and scores new images better', () => {
    const imageOnly = fitCalibration(val.labels, val.probabilities);
    const withData = fitCalibration(val.labels, val.probabilities, 3, valLogs);
    // The truth adds the clinical logits once: weight 1 (the model's estimate of them, shrunk).
    expect(withData.clinicalWeight).toBeGreaterThan(0.7);
    expect(withData.clinicalWeight).toBeLessThan(1.3);
    expect(withData.temperature).toBeGreaterThan(1.2);
    expect(withData.temperature).toBeLessThan(1.8);
    expect(imageOnly.clinicalWeight).toBeUndefined();
    const loss = (c: typeof imageOnly, logs?: Float32Array) =>
      calibratedLoss(test.labels, test.probabilities, c, 3, logs);
    expect(loss(withData, testLogs)).toBeLessThan(loss(imageOnly) - 0.02);
    const auc = (p: Float32Array) =>
      rocAuc(
        test.labels.map((l) => l === 1),
        test.labels.map((_, i) => p[i * 3 + 1] as number),
      ) as number;
    expect(auc(applyCalibration(test.probabilities, withData, 3, testLogs))).toBeGreaterThan(
      auc(applyCalibration(test.probabilities, imageOnly)) + 0.02,
    );
  });

  it('fits a weight near 0 for clinical data that say nothing', () => {
    const noise = clinicalLogs(
      model,
      val.people.map((p, i) => ({ ...p, age: 20 + ((i * 7919) % 60) })),
    );
    const shuffled = fitCalibration(val.labels, val.probabilities, 3, noise);
    expect(Math.abs(shuffled.clinicalWeight as number)).toBeLessThan(0.25);
  });

  it('keeps both calibrations, image-only and with clinical data; refuses a weight without the data', () => {
    const fitted = fitTemperatures({
      labels: val.labels,
      probabilities: val.probabilities,
      ttaProbabilities: val.probabilities,
      clinical: { model, logs: valLogs },
    });
    expect(fitted?.biases).toHaveLength(3);
    expect(fitted?.clinical?.model).toBe(model);
    expect(fitted?.clinical?.plain.clinicalWeight).toBeGreaterThan(0.5);
    expect(fitted?.clinical?.tta?.clinicalWeight).toBeCloseTo(
      fitted?.clinical?.plain.clinicalWeight as number,
      6,
    );
    expect(
      fitTemperatures({ labels: val.labels, probabilities: val.probabilities })?.clinical,
    ).toBeUndefined();
    expect(() =>
      applyCalibration(test.probabilities, { temperature: 1, clinicalWeight: 1 }),
    ).toThrow(/clinical/);
  });
});
