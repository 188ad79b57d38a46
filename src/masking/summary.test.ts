import { describe, expect, it } from 'vitest';
import { LESION_MEASURES } from '../metrics/lesion/measures.ts';
import { currentMeasures, measuring, splitScores, type ImageScore } from './summary.ts';

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

describe('measuring', () => {
  const image = (key: string, measures?: number[] | null): ImageScore => ({
    key,
    split: 'train',
    jaccard: null,
    dice: null,
    ...(measures === undefined ? {} : { measures }),
  });
  const all = LESION_MEASURES.map(() => 0.5);

  it('counts the lesions measured and the masks that held none, apart from images kept whole', () => {
    const images = [image('a', all), image('b', all), image('c', null), image('d', null)];
    expect(measuring({ images, unmasked: ['d'] })).toEqual({
      kind: 'current',
      measured: 2,
      empty: 1,
    });
  });

  it("tells masks an earlier version measured fewer measures of, or none, from this version's", () => {
    const fewer = [image('a', all.slice(0, 16)), image('b', null)];
    expect(measuring({ images: fewer, unmasked: [] })).toEqual({ kind: 'earlier', measures: 16 });
    // The clinical model reads this version's measures alone.
    expect(currentMeasures(fewer[0] as ImageScore)).toBeNull();
    expect(currentMeasures(image('c', all))).toEqual(all);
    expect(currentMeasures(image('d', null))).toBeNull();
    const none = [image('a'), image('b')];
    expect(measuring({ images: none, unmasked: [] })).toEqual({ kind: 'earlier', measures: 0 });
    // Every mask empty, in this version: nothing measured, but nothing to measure again either.
    const empty = [image('a', null), image('b', null)];
    expect(measuring({ images: empty, unmasked: [] })).toEqual({
      kind: 'current',
      measured: 0,
      empty: 2,
    });
  });
});
