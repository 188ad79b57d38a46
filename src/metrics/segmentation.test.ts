import { describe, expect, it } from 'vitest';
import { dice, jaccard, mean, thresholdedJaccard } from './segmentation.ts';

const mask = (...bits: number[]) => Uint8Array.from(bits, (b) => (b ? 255 : 0));

describe('segmentation metrics', () => {
  it('computes Dice and Jaccard against hand-computed masks', () => {
    const truth = mask(1, 1, 1, 1, 0, 0, 0, 0);
    const predicted = mask(1, 1, 0, 0, 1, 1, 0, 0);
    // |A∩B| = 2, |A| + |B| = 8, |A∪B| = 6.
    expect(dice(predicted, truth)).toBe(0.5);
    expect(jaccard(predicted, truth)).toBeCloseTo(1 / 3, 12);
    expect(dice(truth, truth)).toBe(1);
    expect(jaccard(mask(0, 0), mask(1, 1))).toBe(0);
    expect(jaccard(mask(0, 0), mask(0, 0))).toBe(1);
  });

  it('scores ISIC 2017 Task 1 with Jaccard below 0.65 counted as 0', () => {
    const scores = [0.9, 0.64, 0.65, 0.3].map((s) => thresholdedJaccard(s));
    expect(scores).toEqual([0.9, 0, 0.65, 0]);
    expect(mean(scores)).toBeCloseTo(0.3875, 12);
  });

  it('refuses masks of different sizes and the mean of nothing', () => {
    expect(() => dice(mask(1), mask(1, 0))).toThrow(RangeError);
    expect(() => mean([])).toThrow(RangeError);
  });
});
