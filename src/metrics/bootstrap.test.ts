import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import { bootstrapAuc, quantile } from './bootstrap.ts';
import { rocAuc } from './roc.ts';

/** n images, about 30 % positive, scores normal with the positives shifted up by 1 (AUC ≈ 0.76). */
function sample(n: number, seed: number): { truth: boolean[]; scores: number[] } {
  const random = new Random(seed);
  const truth = Array.from({ length: n }, (_, i) => i === 0 || (i > 1 && random.next() < 0.3));
  const scores = truth.map((p) => random.normal() + (p ? 1 : 0));
  return { truth, scores };
}

describe('quantile', () => {
  it('interpolates linearly between ranks, as numpy.percentile', () => {
    // h = (4 - 1) · 0.025 = 0.075 → 1 + 0.075 · (2 - 1); h = 1.5 → 2.5.
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 12);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([7], 0.975)).toBe(7);
  });
});

describe('bootstrapAuc', () => {
  it('is seeded: the same seed gives the same interval, another seed another', () => {
    const { truth, scores } = sample(80, 1);
    const a = bootstrapAuc(truth, scores, { seed: 42 });
    expect(a).toEqual(bootstrapAuc(truth, scores, { seed: 42 }));
    expect(a).not.toEqual(bootstrapAuc(truth, scores, { seed: 43 }));
    expect(a?.resamples).toBe(1000);
    expect(a?.skipped).toBe(0);
    expect(a?.level).toBe(0.95);
  });

  it('contains the point AUC and narrows with more data', () => {
    const small = sample(60, 2);
    const large = sample(600, 3);
    const width = ({ truth, scores }: { truth: boolean[]; scores: number[] }) => {
      const auc = rocAuc(truth, scores) as number;
      const ci = bootstrapAuc(truth, scores, { seed: 5 });
      if (!ci) throw new Error('both classes are present');
      expect(ci.low).toBeLessThanOrEqual(auc);
      expect(ci.high).toBeGreaterThanOrEqual(auc);
      expect(ci.low).toBeGreaterThanOrEqual(0);
      expect(ci.high).toBeLessThanOrEqual(1);
      return ci.high - ci.low;
    };
    // The width shrinks about as 1 / √n: 10 times the images, about a third of the width.
    expect(width(large)).toBeLessThan(width(small) / 2);
  });

  it('skips resamples holding one class only', () => {
    // One positive among 5: a resample misses it with probability (4/5)^5 ≈ 0.33.
    const ci = bootstrapAuc([true, false, false, false, false], [0.9, 0.1, 0.2, 0.3, 0.95], {
      seed: 9,
    });
    if (!ci) throw new Error('both classes are present');
    expect(ci.skipped).toBeGreaterThan(200);
    expect(ci.skipped).toBeLessThan(460);
    expect(ci.resamples + ci.skipped).toBe(1000);
    // Resamples without the 0.95 negative rank the positive first: AUC 1 is the top.
    expect(ci.low).toBeGreaterThanOrEqual(0);
    expect(ci.high).toBe(1);
  });

  it('gives a perfect classifier the interval [1, 1] and one class null', () => {
    const ci = bootstrapAuc([false, false, true, true], [0.1, 0.2, 0.8, 0.9], { resamples: 200 });
    expect(ci && [ci.low, ci.high]).toEqual([1, 1]);
    expect(bootstrapAuc([true, true], [0.1, 0.2])).toBeNull();
    expect(bootstrapAuc([], [])).toBeNull();
    expect(() => bootstrapAuc([true, false], [0.1, 0.2], { resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapAuc([true, false], [NaN, 0.2])).toThrow(RangeError);
  });

  it('equals rocAuc of each resample written out, with ties counting half', () => {
    // Redo the bootstrap by hand: n draws of random.int(0, n - 1) per resample, rocAuc of the
    // resample, one-class resamples left out, then the 2.5th and 97.5th percentiles.
    const truth = [true, false, true, false, false, true, false];
    const scores = [0.5, 0.5, 0.7, 0.2, 0.7, 0.9, 0.1];
    const random = new Random(11);
    const aucs: number[] = [];
    for (let r = 0; r < 300; r++) {
      const drawn = truth.map(() => random.int(0, truth.length - 1));
      const auc = rocAuc(
        drawn.map((i) => truth[i] as boolean),
        drawn.map((i) => scores[i] as number),
      );
      if (auc !== null) aucs.push(auc);
    }
    aucs.sort((a, b) => a - b);
    const ci = bootstrapAuc(truth, scores, { seed: 11, resamples: 300 });
    expect(ci).toEqual({
      low: quantile(aucs, 0.025),
      high: quantile(aucs, 0.975),
      level: 0.95,
      resamples: aucs.length,
      skipped: 300 - aucs.length,
    });
    // All scores tied: every resample holding both classes has AUC exactly 0.5.
    const tied = bootstrapAuc([true, false, true, false], [0.5, 0.5, 0.5, 0.5], { seed: 3 });
    expect(tied && [tied.low, tied.high]).toEqual([0.5, 0.5]);
  });
});
