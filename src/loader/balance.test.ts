import { describe, expect, it } from 'vitest';
import { balancedWeights, classCounts, sampleImage, oversample, sampleKey } from './balance.ts';

const LABELS: Record<string, number> = {
  a: 0,
  b: 0,
  c: 0,
  d: 0,
  e: 0,
  f: 0,
  g: 0,
  m1: 1,
  m2: 1,
  m3: 1,
  s1: 2,
  s2: 2,
};
const KEYS = Object.keys(LABELS);
const labelOf = (key: string) => LABELS[sampleImage(key)] as number;

describe('oversample', () => {
  it('gives every class as many samples as the largest, with distinct sample keys', () => {
    const samples = oversample(KEYS, labelOf, 3, 1);
    expect(classCounts(samples.map(labelOf), 3)).toEqual([7, 7, 7]);
    expect(new Set(samples).size).toBe(samples.length);
    // 3 melanomas: each twice (copies 0 and 1) and one of them a third time (copy 2).
    const melanoma = samples.filter((s) => labelOf(s) === 1);
    expect(melanoma.filter((s) => s.endsWith('#2'))).toHaveLength(1);
    expect(new Set(melanoma.map(sampleImage))).toEqual(new Set(['m1', 'm2', 'm3']));
    // The majority class is left as it is.
    expect(samples.filter((s) => labelOf(s) === 0)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('is seeded, and skips classes without images', () => {
    expect(oversample(KEYS, labelOf, 3, 4)).toEqual(oversample(KEYS, labelOf, 3, 4));
    const two = oversample(['a', 'b', 'm1'], labelOf, 3, 1);
    expect(two.sort()).toEqual(['a', 'b', 'm1', 'm1#1']);
  });

  it('maps sample keys back to images', () => {
    expect(sampleKey('isic_1', 0)).toBe('isic_1');
    expect(sampleImage(sampleKey('isic_1', 3))).toBe('isic_1');
  });
});

describe('balancedWeights', () => {
  it("follows scikit-learn's 'balanced' class weights", () => {
    // compute_class_weight('balanced', classes=[0,1,2], y=7x0 3x1 2x2) = 12 / (3 * count)
    expect(balancedWeights([7, 3, 2])).toEqual([12 / 21, 12 / 9, 12 / 6]);
    expect(balancedWeights([4, 0, 4])).toEqual([1, 0, 1]);
  });
});
