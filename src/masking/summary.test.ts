import { describe, expect, it } from 'vitest';
import { splitScores, type ImageScore } from './summary.ts';

describe('splitScores', () => {
  it('averages per split and zeroes images below 0.65 in the thresholded Jaccard', () => {
    const images: ImageScore[] = [
      { key: 'a', split: 'train', jaccard: 0.9, dice: 18 / 19 },
      { key: 'b', split: 'train', jaccard: 0.5, dice: 2 / 3 },
      { key: 'c', split: 'train', jaccard: null, dice: null },
      { key: 'd', split: 'val', jaccard: 0.7, dice: 14 / 17 },
    ];
    const scores = splitScores(images);
    expect(scores.train.images).toBe(3);
    expect(scores.train.scored).toBe(2);
    expect(scores.train.jaccard).toBeCloseTo(0.7, 12); // (0.9 + 0.5) / 2
    expect(scores.train.thresholdedJaccard).toBeCloseTo(0.45, 12); // (0.9 + 0) / 2
    expect(scores.train.dice).toBeCloseTo((18 / 19 + 2 / 3) / 2, 12);
    expect(scores.val).toMatchObject({ images: 1, scored: 1, jaccard: 0.7 });
    expect(scores.val.thresholdedJaccard).toBeCloseTo(0.7, 12);
    expect(scores.test).toEqual({
      images: 0,
      scored: 0,
      jaccard: null,
      dice: null,
      thresholdedJaccard: null,
    });
  });
});
