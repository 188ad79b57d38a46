import { describe, expect, it } from 'vitest';
import { hasRepeatedGroups, perLesion } from './perLesion.ts';
import type { EvalPredictions } from './report.ts';

// Five images: two of lesion IL_1, one of IL_2, two without a lesion id.
const IMAGES: EvalPredictions = {
  keys: ['isic_1', 'isic_2', 'isic_3', 'isic_4', 'isic_5'],
  ids: ['ISIC_1', 'ISIC_2', 'ISIC_3', 'ISIC_4', 'ISIC_5'],
  split: 'test',
  labels: [1, 1, 0, 2, 0],
  // prettier-ignore
  probabilities: [
    0.2, 0.6, 0.2,
    0.5, 0.4, 0.1,
    0.9, 0.05, 0.05,
    0.1, 0.1, 0.8,
    0.7, 0.2, 0.1,
  ],
  licences: ['CC-0', 'CC-0', '', '', ''],
};
const GROUPS = ['IL_1', '', 'IL_2', 'IL_1', ''];

describe('hasRepeatedGroups', () => {
  it('needs a non-empty id on two images', () => {
    expect(hasRepeatedGroups(undefined)).toBe(false);
    expect(hasRepeatedGroups(['', '', 'a'])).toBe(false);
    expect(hasRepeatedGroups(['a', 'b', 'a'])).toBe(true);
  });
});

describe('perLesion', () => {
  it('averages the images of a lesion and leaves images without an id alone', () => {
    const lesions = perLesion(IMAGES, GROUPS);
    expect(lesions.keys).toEqual(['IL_1', 'isic_2', 'IL_2', 'isic_5']);
    expect(lesions.ids).toEqual(['IL_1', 'ISIC_2', 'IL_2', 'ISIC_5']);
    expect(lesions.sizes).toEqual([2, 1, 1, 1]);
    // IL_1 holds a melanoma (label 1) and a keratosis (label 2): a tie, so the earliest image's.
    expect(lesions.labels).toEqual([1, 1, 0, 0]);
    const p = Array.from(lesions.probabilities);
    expect(p.slice(0, 3).map((v) => Number(v.toFixed(12)))).toEqual([0.15, 0.35, 0.5]);
    expect(p.slice(3)).toEqual([0.5, 0.4, 0.1, 0.9, 0.05, 0.05, 0.7, 0.2, 0.1]);
    expect(lesions.split).toBe('test');
    expect('licences' in lesions).toBe(false);
  });

  it('takes the most common label of a lesion', () => {
    const three: EvalPredictions = {
      keys: ['a', 'b', 'c'],
      split: 'val',
      labels: [0, 1, 1],
      probabilities: [1, 0, 0, 0, 1, 0, 0, 1, 0],
    };
    const lesion = perLesion(three, ['L', 'L', 'L']);
    expect(lesion.labels).toEqual([1]);
    expect(lesion.ids).toEqual(['L']);
    expect(() => perLesion(three, ['L'])).toThrow(RangeError);
  });
});
