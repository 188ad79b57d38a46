import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import {
  applyCalibration,
  calibratedLoss,
  calibratorOf,
  fitCalibration,
  fitTemperatures,
} from './calibration.ts';
import { drawClass, softmax } from './softmax.testSupport.ts';

/**
 * Labels drawn from softmax(z) (the truth), and the scores a model gives: softmax(z / trueT +
 * shift), over-confident by trueT and with each class's share moved by `shift` (as training on
 * oversampled classes moves it).
 */
function distorted(
  count: number,
  trueT: number,
  seed: number,
  shift = [0, 0, 0],
  prior = [0, 0, 0],
) {
  const random = new Random(seed);
  const labels: number[] = [];
  const probabilities = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const z = [0, 1, 2].map((c) => random.uniform(-3, 3) + (prior[c] as number));
    softmax(z.map((v, c) => v / trueT + (shift[c] as number))).forEach(
      (p, c) => (probabilities[i * 3 + c] = p),
    );
    labels.push(drawClass(random, softmax(z)));
  }
  return { labels, probabilities };
}

/** Top-label expected calibration error, 15 bins, computed here independently of reliability.ts. */
function ece(labels: readonly number[], probabilities: ArrayLike<number>) {
  const bins = Array.from({ length: 15 }, () => ({ n: 0, conf: 0, right: 0 }));
  labels.forEach((label, i) => {
    const row = [0, 1, 2].map((c) => Number(probabilities[i * 3 + c]));
    const top = row.indexOf(Math.max(...row));
    const conf = row[top] as number;
    const bin = bins[Math.min(14, Math.max(0, Math.ceil(conf * 15) - 1))] as (typeof bins)[0];
    bin.n++;
    bin.conf += conf;
    bin.right += top === label ? 1 : 0;
  });
  return bins.reduce((sum, b) => sum + Math.abs(b.right - b.conf) / labels.length, 0);
}

describe('applyCalibration', () => {
  it('T = 1 without biases returns the rows unchanged, and every row sums to 1', () => {
    const p = [0.7, 0.2, 0.1, 0.05, 0.9, 0.05];
    const same = applyCalibration(p, { temperature: 1 });
    expect(Array.from(same)).toEqual(p.map((v) => expect.closeTo(v, 6)));
    const soft = applyCalibration(p, { temperature: 3 });
    expect((soft[0] as number) + (soft[1] as number) + (soft[2] as number)).toBeCloseTo(1, 6);
    // A higher temperature softens; the order within a row is kept.
    expect(soft[0]).toBeLessThan(0.7);
    expect(soft[0]).toBeGreaterThan(soft[1] as number);
  });

  it('adds the biases after the temperature, which can change the most probable class', () => {
    const p = [0.4, 0.35, 0.25];
    // log p / 2 + b, then softmax, by hand.
    const biases = [0, -1, 0.5];
    const expected = softmax(p.map((v, c) => Math.log(v) / 2 + (biases[c] as number)));
    const out = applyCalibration(p, { temperature: 2, biases });
    expect(Array.from(out)).toEqual(expected.map((v) => expect.closeTo(v, 6)));
    expect(out.indexOf(Math.max(...out))).toBe(2);
    // Only the biases' differences matter.
    const shifted = applyCalibration(p, { temperature: 2, biases: biases.map((b) => b + 7) });
    expect(Array.from(shifted)).toEqual(Array.from(out).map((v) => expect.closeTo(v, 6)));
  });

  it('refuses a temperature that is not positive and biases of another length', () => {
    expect(() => applyCalibration([1, 0, 0], { temperature: 0 })).toThrow(RangeError);
    expect(() => applyCalibration([1, 0, 0], { temperature: 1, biases: [0, 1] })).toThrow(
      /3 classes need 3 biases, got 2/,
    );
  });
});

describe('fitCalibration', () => {
  it('recovers the temperature and the class shift that distorted the scores', () => {
    // Scores over-confident by 2.5, melanoma (1) pushed up by 1.5 and keratosis (2) by 1.
    const { labels, probabilities } = distorted(20_000, 2.5, 7, [0, 1.5, 1]);
    const fitted = fitCalibration(labels, probabilities);
    // softmax(log p / T + b) undoes it with T = 1 / 2.5 and b = -2.5 · shift (up to a constant).
    expect(fitted.temperature).toBeCloseTo(1 / 2.5, 1);
    const biases = fitted.biases ?? [];
    expect(biases[0]).toBe(0);
    expect(biases[1]).toBeCloseTo(-2.5 * 1.5, 0);
    expect(biases[2]).toBeCloseTo(-2.5 * 1, 0);
    const identity = { temperature: 1 };
    const loss = calibratedLoss(labels, probabilities, fitted);
    expect(loss).toBeLessThan(calibratedLoss(labels, probabilities, identity));
    // At the optimum, nudging any parameter makes the validation loss worse.
    for (const nudged of [
      { ...fitted, temperature: fitted.temperature * 1.02 },
      { ...fitted, temperature: fitted.temperature / 1.02 },
      { ...fitted, biases: biases.map((b, c) => (c === 1 ? b + 0.05 : b)) },
      { ...fitted, biases: biases.map((b, c) => (c === 2 ? b - 0.05 : b)) },
    ])
      expect(calibratedLoss(labels, probabilities, nudged)).toBeGreaterThan(loss);
    // And the calibration error falls to what 20,000 samples allow.
    expect(ece(labels, probabilities)).toBeGreaterThan(0.05);
    expect(ece(labels, applyCalibration(probabilities, fitted))).toBeLessThan(0.02);
  });

  it('corrects a prior shift that one temperature cannot: oversampled rare classes', () => {
    // The truth has few of classes 1 and 2 (priors about 84%, 8%, 8%); the model's scores are
    // well calibrated for equal classes, as a model trained on oversampled data is.
    const prior = [0, -2.4, -2.4];
    const { labels, probabilities } = distorted(20_000, 1, 3, [0, 2.4, 2.4], prior);
    const fitted = fitCalibration(labels, probabilities);
    expect(fitted.temperature).toBeCloseTo(1, 1);
    expect(fitted.biases?.[1]).toBeCloseTo(-2.4, 0);
    // The best single temperature, by a fine scan of its loss.
    let temperatureOnly = 1;
    let best = Infinity;
    for (let t = 0.6; t <= 1.6; t += 0.02) {
      const loss = calibratedLoss(labels, probabilities, { temperature: t });
      if (loss < best) [temperatureOnly, best] = [t, loss];
    }
    const afterBias = ece(labels, applyCalibration(probabilities, fitted));
    const afterTemperature = ece(
      labels,
      applyCalibration(probabilities, { temperature: temperatureOnly }),
    );
    expect(afterBias).toBeLessThan(0.02);
    expect(afterBias).toBeLessThan(afterTemperature);
  });

  it('finds about T = 1 and no biases for calibrated scores, and the identity with no labels', () => {
    const { labels, probabilities } = distorted(8000, 1, 11);
    const fitted = fitCalibration(labels, probabilities);
    expect(fitted.temperature).toBeCloseTo(1, 1);
    for (const b of fitted.biases ?? []) expect(Math.abs(b)).toBeLessThan(0.1);
    expect(fitCalibration([], [])).toEqual({ temperature: 1 });
    expect(() => fitCalibration([0], [0.5, 0.5])).toThrow(RangeError);
  });

  it('fits the temperature alone when a class has no validation label', () => {
    const { labels, probabilities } = distorted(4000, 2, 5);
    const keep = labels.map((_, i) => i).filter((i) => labels[i] !== 2);
    const fitted = fitCalibration(
      keep.map((i) => labels[i] as number),
      keep.flatMap((i) => [0, 1, 2].map((c) => probabilities[i * 3 + c] as number)),
    );
    expect(fitted.biases).toBeUndefined();
    expect(fitted.temperature).toBeGreaterThan(0.3);
    expect(fitted.temperature).toBeLessThan(0.7);
  });

  it('gives no number for a diverged model', () => {
    expect(fitCalibration([0, 1], [NaN, NaN, NaN, 0.2, 0.5, 0.3]).temperature).toBeNaN();
  });
});

describe('fitTemperatures', () => {
  it('fits the plain and, where given, the 8-view calibration; none without labels', () => {
    const plain = distorted(2000, 2, 3);
    const views = distorted(2000, 1, 4);
    expect(fitTemperatures({ labels: [], probabilities: [] })).toBeUndefined();
    expect(fitTemperatures({ labels: [0], probabilities: [NaN, 0, 0] })).toBeUndefined();
    const one = fitTemperatures(plain);
    const fitted = fitCalibration(plain.labels, plain.probabilities);
    expect(one).toEqual({ temperature: fitted.temperature, biases: fitted.biases });
    const both = fitTemperatures({ ...plain, ttaProbabilities: views.probabilities });
    const tta = fitCalibration(plain.labels, views.probabilities);
    expect(both).toEqual({ ...one, ttaTemperature: tta.temperature, ttaBiases: tta.biases });
    expect(calibratorOf(both, false)).toEqual(fitted);
    expect(calibratorOf(both, true)).toEqual(tta);
    expect(calibratorOf(one, true)).toBeNull();
    expect(calibratorOf(undefined, false)).toBeNull();
    // Records from before the biases: the temperature alone.
    expect(calibratorOf({ temperature: 1.2, ttaTemperature: 1.1 }, true)).toEqual({
      temperature: 1.1,
    });
  });
});
