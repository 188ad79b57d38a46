import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import { curveArea, rocAuc, rocCurve } from './roc.ts';

describe('rocAuc', () => {
  it('is 1 for a perfect ranking and 0 for an inverted one', () => {
    expect(rocAuc([false, false, true, true], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([true, true, false, false], [0.1, 0.2, 0.8, 0.9])).toBe(0);
  });

  it('counts ties as half, as scikit-learn does', () => {
    // Pairs (pos, neg): (0.8, 0.1) 1, (0.8, 0.4) 1, (0.35, 0.1) 1, (0.35, 0.4) 0 → 3/4
    // (scikit-learn: roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75).
    expect(rocAuc([false, false, true, true], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    // A tie between a positive and a negative counts half: (0.5 vs 0.5) 0.5, (0.5 vs 0.2) 1 → 0.75.
    expect(rocAuc([true, false, false], [0.5, 0.5, 0.2])).toBe(0.75);
    expect(rocAuc([true, false, true, false], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('is undefined with one class only', () => {
    expect(rocAuc([true, true], [0.2, 0.3])).toBeNull();
    expect(rocAuc([], [])).toBeNull();
  });
});

// y_true = [0, 0, 1, 1, 0, 1], y_score = [0.1, 0.4, 0.4, 0.8, 0.8, 0.9]: 3 positives, 3 negatives.
// By descending score: 0.9 P | 0.8 P, 0.8 N | 0.4 N, 0.4 P | 0.1 N. Cumulative (tp, fp) at the
// last sample of each tied run: 0.9 → (1, 0), 0.8 → (2, 1), 0.4 → (3, 2), 0.1 → (3, 3).
const TIED_TRUTH = [false, false, true, true, false, true];
const TIED_SCORES = [0.1, 0.4, 0.4, 0.8, 0.8, 0.9];

describe('rocCurve', () => {
  it('gives one point per distinct score, ties as one step, as roc_curve(drop_intermediate=False)', () => {
    // fpr = fp / 3, tpr = tp / 3, after the point (0, 0) at threshold +inf. scikit-learn 1.9:
    // fpr [0, 0, 0.333, 0.667, 1], tpr [0, 0.333, 0.667, 1, 1], thresholds [inf, .9, .8, .4, .1].
    expect(rocCurve(TIED_TRUTH, TIED_SCORES)).toEqual({
      fpr: [0, 0, 1 / 3, 2 / 3, 1],
      tpr: [0, 1 / 3, 2 / 3, 1, 1],
      thresholds: [Infinity, 0.9, 0.8, 0.4, 0.1],
    });
  });

  it('drops collinear points as roc_curve does by default', () => {
    // Counts before the (0, 0) point: fp [0, 1, 2, 3], tp [1, 2, 3, 3]. Second differences:
    // fp [0, 0], tp [0, -1]: the point of 0.8 (index 1) is on the line and goes; 0.4 stays.
    // scikit-learn: fpr [0, 0, 0.667, 1], tpr [0, 0.333, 1, 1], thresholds [inf, .9, .4, .1].
    expect(rocCurve(TIED_TRUTH, TIED_SCORES, { dropIntermediate: true })).toEqual({
      fpr: [0, 0, 2 / 3, 1],
      tpr: [0, 1 / 3, 1, 1],
      thresholds: [Infinity, 0.9, 0.4, 0.1],
    });
    // y = [1, 1, 1, 0, 0], scores [.9, .8, .7, .2, .1]: fp [0, 0, 0, 1, 2], tp [1, 2, 3, 3, 3];
    // second differences fp [0, 1, 0], tp [0, -1, 0] keep 0.9 (always first), 0.7 and 0.1 (last).
    // Like scikit-learn, (0, 1/3) stays although it lies between the added (0, 0) and (0, 1).
    const truth = [true, true, true, false, false];
    const scores = [0.9, 0.8, 0.7, 0.2, 0.1];
    expect(rocCurve(truth, scores, { dropIntermediate: true })).toEqual({
      fpr: [0, 0, 0, 1],
      tpr: [0, 1 / 3, 1, 1],
      thresholds: [Infinity, 0.9, 0.7, 0.1],
    });
    // Without dropping: fpr [0, 0, 0, 0, 0.5, 1], tpr [0, 1/3, 2/3, 1, 1, 1].
    expect(rocCurve(truth, scores)?.fpr).toEqual([0, 0, 0, 0, 0.5, 1]);
  });

  it('has the trapezoid area rocAuc gives', () => {
    // Trapezoids: 1/3 · (1/3 + 2/3) / 2 + 1/3 · (2/3 + 1) / 2 + 1/3 · (1 + 1) / 2
    // = 3/18 + 5/18 + 6/18 = 7/9; pairs: 0.9 wins 3, 0.8 wins 2 + tie 0.5, 0.4 wins 1 + tie 0.5 → 7/9.
    const full = rocCurve(TIED_TRUTH, TIED_SCORES);
    const dropped = rocCurve(TIED_TRUTH, TIED_SCORES, { dropIntermediate: true });
    if (!full || !dropped) throw new Error('both classes are present');
    expect(curveArea(full)).toBeCloseTo(7 / 9, 12);
    expect(curveArea(dropped)).toBeCloseTo(7 / 9, 12);
    expect(rocAuc(TIED_TRUTH, TIED_SCORES)).toBeCloseTo(7 / 9, 12);

    const random = new Random(7);
    for (let trial = 0; trial < 20; trial++) {
      const n = random.int(2, 60);
      // The first two samples make sure both classes are present.
      const truth = Array.from({ length: n }, (_, i) => i === 0 || (i > 1 && random.next() < 0.4));
      // One decimal, so many ties.
      const scores = truth.map((p) => Math.round((random.normal() + (p ? 1 : 0)) * 10) / 10);
      const auc = rocAuc(truth, scores) as number;
      for (const dropIntermediate of [false, true]) {
        const curve = rocCurve(truth, scores, { dropIntermediate });
        if (!curve) throw new Error('both classes are present');
        expect(curveArea(curve)).toBeCloseTo(auc, 12);
      }
    }
  });

  it('reaches (1, 1) with area 1 for a perfect ranking and 0 for an inverted one', () => {
    // Descending .9 P, .8 P, .2 N, .1 N: (tp, fp) = (1, 0), (2, 0), (2, 1), (2, 2).
    const perfect = rocCurve([false, false, true, true], [0.1, 0.2, 0.8, 0.9]);
    expect(perfect).toEqual({
      fpr: [0, 0, 0, 0.5, 1],
      tpr: [0, 0.5, 1, 1, 1],
      thresholds: [Infinity, 0.9, 0.8, 0.2, 0.1],
    });
    expect(curveArea(perfect as NonNullable<typeof perfect>)).toBe(1);
    const inverted = rocCurve([true, true, false, false], [0.1, 0.2, 0.8, 0.9]);
    expect(inverted?.tpr).toEqual([0, 0, 0, 0.5, 1]);
    expect(curveArea(inverted as NonNullable<typeof inverted>)).toBe(0);
  });

  it('is null with one class (scikit-learn warns and gives NaN rates) and refuses NaN scores', () => {
    expect(rocCurve([true, true], [0.2, 0.3])).toBeNull();
    expect(rocCurve([false], [0.2])).toBeNull();
    expect(rocCurve([], [])).toBeNull();
    expect(() => rocCurve([true, false], [NaN, 0.1])).toThrow(RangeError);
    expect(() => rocCurve([true], [0.1, 0.2])).toThrow();
  });
});
