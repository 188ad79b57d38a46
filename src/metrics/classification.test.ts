import { describe, expect, it } from 'vitest';
import {
  argmax,
  argmaxAccuracy,
  balancedAccuracy,
  binaryAccuracy,
  binaryConfusion,
  confusionMatrix,
  f1Score,
  precision,
  sensitivity,
  specificity,
  thresholdForSensitivity,
} from './classification.ts';

// Seven images, classes 0 nevus, 1 melanoma, 2 seborrheic keratosis; argmax in the comment.
const LABELS = [0, 0, 1, 1, 2, 2, 1];
// prettier-ignore
const PROBABILITIES = [
  0.7, 0.2, 0.1, // nevus → nevus
  0.3, 0.6, 0.1, // nevus → melanoma
  0.2, 0.5, 0.3, // melanoma → melanoma
  0.5, 0.4, 0.1, // melanoma → nevus
  0.1, 0.2, 0.7, // keratosis → keratosis
  0.2, 0.3, 0.5, // keratosis → keratosis
  0.4, 0.4, 0.2, // melanoma → nevus (a tie goes to the first class, as NumPy's argmax)
];
const MELANOMA_TRUTH = LABELS.map((l) => l === 1); // F F T T F F T
const P_MELANOMA = [0.2, 0.6, 0.5, 0.4, 0.2, 0.3, 0.4];

describe('confusionMatrix', () => {
  it('counts argmax decisions, rows true class, columns predicted', () => {
    // Row nevus: 1 → nevus, 1 → melanoma; row melanoma: 1 → melanoma, 2 → nevus; keratosis: 2 → SK.
    const matrix = confusionMatrix(LABELS, Float32Array.from(PROBABILITIES));
    expect(matrix).toEqual([
      [1, 1, 0],
      [2, 1, 0],
      [0, 0, 2],
    ]);
    // Diagonal 1 + 1 + 2 = 4 of 7.
    expect(argmaxAccuracy(matrix)).toBe(4 / 7);
    expect(argmaxAccuracy(confusionMatrix([], []))).toBeNull();
    expect(argmax([0.4, 0.4, 0.2])).toBe(0);
    expect(argmax([9, 0.1, 0.3, 0.5], 1, 3)).toBe(2);
  });

  it('refuses a wrong probability count or a label outside the classes', () => {
    expect(() => confusionMatrix([0], [0.5, 0.5])).toThrow(RangeError);
    expect(() => confusionMatrix([3], [0.2, 0.3, 0.5])).toThrow(RangeError);
  });
});

describe('melanoma-vs-rest figures', () => {
  it('at threshold 0.5 (a score equal to the threshold counts as positive)', () => {
    // Called melanoma (p >= 0.5): image 1 (0.6, nevus) fp, image 2 (0.5, melanoma) tp.
    // Missed melanomas 3 and 6 (0.4) fn; images 0, 4, 5 tn. → [[3, 1], [2, 1]].
    const c = binaryConfusion(MELANOMA_TRUTH, P_MELANOMA);
    expect(c).toEqual([
      [3, 1],
      [2, 1],
    ]);
    expect(sensitivity(c)).toBe(1 / 3); // 1 / (1 + 2)
    expect(specificity(c)).toBe(3 / 4); // 3 / (3 + 1)
    expect(precision(c)).toBe(1 / 2); // 1 / (1 + 1)
    expect(f1Score(c)).toBe(2 / 5); // 2 / (2 + 1 + 2); harmonic mean of 1/2 and 1/3 = 0.4
    expect(binaryAccuracy(c)).toBe(4 / 7); // (3 + 1) / 7
    expect(balancedAccuracy(c)).toBe(13 / 24); // (1/3 + 3/4) / 2 = (8 + 18) / 48
  });

  it('at threshold 0.35', () => {
    // Now images 3 and 6 (0.4) are called melanoma too: tp 3, fn 0; fp still image 1 alone.
    const c = binaryConfusion(MELANOMA_TRUTH, Float32Array.from(P_MELANOMA), 0.35);
    expect(c).toEqual([
      [3, 1],
      [0, 3],
    ]);
    expect(sensitivity(c)).toBe(1); // 3 / 3
    expect(specificity(c)).toBe(3 / 4);
    expect(precision(c)).toBe(3 / 4); // 3 / (3 + 1)
    expect(f1Score(c)).toBe(6 / 7); // 6 / (6 + 1 + 0)
    expect(binaryAccuracy(c)).toBe(6 / 7);
    expect(balancedAccuracy(c)).toBe(7 / 8); // (1 + 3/4) / 2
  });

  it('gives null, never NaN, where a denominator is 0', () => {
    // No melanoma and none called melanoma: [[2, 0], [0, 0]].
    const none = binaryConfusion([false, false], [0.1, 0.2]);
    expect(none).toEqual([
      [2, 0],
      [0, 0],
    ]);
    expect(sensitivity(none)).toBeNull();
    expect(precision(none)).toBeNull();
    expect(f1Score(none)).toBeNull();
    expect(balancedAccuracy(none)).toBeNull();
    expect(specificity(none)).toBe(1);
    // Only melanomas, all missed: specificity undefined, F1 0 (2·0 / (0 + 0 + 2)), precision null.
    const missed = binaryConfusion([true, true], [0.1, 0.2]);
    expect(specificity(missed)).toBeNull();
    expect(f1Score(missed)).toBe(0);
    expect(precision(missed)).toBeNull();
    expect(binaryAccuracy(binaryConfusion([], []))).toBeNull();
    expect(() => binaryConfusion([true], [0.5], NaN)).toThrow(RangeError);
  });
});

describe('thresholdForSensitivity', () => {
  it('is the highest threshold reaching the target', () => {
    // Melanoma scores, highest first: 0.5, 0.4, 0.4. Threshold 0.5 catches 1 of 3 (0.333);
    // 0.4 catches all 3 (the tie counts both).
    expect(thresholdForSensitivity(MELANOMA_TRUTH, P_MELANOMA, 0.3)).toBe(0.5);
    expect(thresholdForSensitivity(MELANOMA_TRUTH, P_MELANOMA, 1 / 3)).toBe(0.5);
    expect(thresholdForSensitivity(MELANOMA_TRUTH, P_MELANOMA, 0.5)).toBe(0.4);
    expect(thresholdForSensitivity(MELANOMA_TRUTH, P_MELANOMA, 0.95)).toBe(0.4);
    // 20 melanomas scored 0.05, 0.10, …, 1.00: 0.95 needs 19 of them, so the 19th highest, 0.10.
    const scores = Array.from({ length: 20 }, (_, i) => (i + 1) / 20);
    const truth = scores.map(() => true);
    const t = thresholdForSensitivity(truth, scores, 0.95) as number;
    expect(t).toBe(0.1);
    expect(sensitivity(binaryConfusion(truth, scores, t))).toBe(0.95);
    expect(sensitivity(binaryConfusion(truth, scores, 0.15))).toBe(0.9);
  });

  it('is null with no positives and refuses a target outside (0, 1]', () => {
    expect(thresholdForSensitivity([false, false], [0.2, 0.9], 0.95)).toBeNull();
    expect(() => thresholdForSensitivity([true], [0.2], 0)).toThrow(RangeError);
    expect(() => thresholdForSensitivity([true], [0.2], 1.5)).toThrow(RangeError);
  });
});
