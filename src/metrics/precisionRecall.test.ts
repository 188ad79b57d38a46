import { describe, expect, it } from 'vitest';
import { averagePrecision, precisionRecallCurve } from './precisionRecall.ts';

describe('precisionRecallCurve', () => {
  it("gives scikit-learn's points, thresholds ascending and a last (recall 0, precision 1)", () => {
    // Descending: 0.9 (+) P 1 R 1/3; 0.8 (-) P 1/2 R 1/3; 0.7 (+) P 2/3 R 2/3; 0.6 (+) P 3/4 R 1;
    // 0.5 (-) P 3/5 R 1; 0.4 (-) P 1/2 R 1.
    const curve = precisionRecallCurve(
      [true, false, true, true, false, false],
      [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
    );
    expect(curve).toEqual({
      precision: [3 / 6, 3 / 5, 3 / 4, 2 / 3, 1 / 2, 1, 1],
      recall: [1, 1, 1, 2 / 3, 1 / 3, 1 / 3, 0],
      thresholds: [0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    });
  });

  it('makes tied scores one threshold, and is null without a positive', () => {
    const curve = precisionRecallCurve([true, false, true], [0.8, 0.8, 0.3]);
    expect(curve?.thresholds).toEqual([0.3, 0.8]);
    expect(curve?.precision).toEqual([2 / 3, 1 / 2, 1]);
    expect(precisionRecallCurve([false, false], [0.1, 0.2])).toBeNull();
    expect(() => precisionRecallCurve([true], [NaN])).toThrow(RangeError);
    expect(() => precisionRecallCurve([true], [0.1, 0.2])).toThrow();
  });
});

describe('averagePrecision', () => {
  it('is the sum of (R_n - R_n-1) P_n, hand-computed', () => {
    // 1/3 * 1 + 0 * 1/2 + 1/3 * 2/3 + 1/3 * 3/4 + 0 + 0 = 29/36.
    const ap = averagePrecision(
      [true, false, true, true, false, false],
      [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
    );
    expect(ap).toBeCloseTo(29 / 36, 14);
  });

  it('takes tied scores as one threshold, not in the order given', () => {
    // 0.8 holds one positive and one negative: R 1/2 at P 1/2; then 0.3: R 1 at P 2/3.
    // AP = 1/2 * 1/2 + 1/2 * 2/3 = 7/12 (scikit-learn's value), whatever the order of the tie.
    expect(averagePrecision([true, false, true], [0.8, 0.8, 0.3])).toBeCloseTo(7 / 12, 14);
    expect(averagePrecision([false, true, true], [0.8, 0.8, 0.3])).toBeCloseTo(7 / 12, 14);
  });

  it('is 1 for a perfect ranking or all positives, null without positives', () => {
    expect(averagePrecision([true, true, false], [0.9, 0.7, 0.2])).toBe(1);
    expect(averagePrecision([true, true], [0.1, 0.2])).toBe(1);
    expect(averagePrecision([false, false], [0.1, 0.2])).toBeNull();
    expect(averagePrecision([], [])).toBeNull();
  });
});
