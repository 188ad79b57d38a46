import { describe, expect, it } from 'vitest';
import { binOf, classReliability, reliabilityOf, topLabelReliability } from './reliability.ts';

// Five images, plain numbers (a float32 0.6 is 0.6000000238, just above the edge 9/15).
const LABELS = [0, 0, 1, 2, 1];
// prettier-ignore
const PROBABILITIES = [
  0.9, 0.05, 0.05, // right, confidence 0.9
  0.1, 0.85, 0.05, // wrong, 0.85
  0.2, 0.7, 0.1, // right, 0.7
  0.6, 0.3, 0.1, // wrong, 0.6
  0.05, 0.92, 0.03, // right, 0.92
];

describe('binOf', () => {
  it('puts a confidence in (k/15, (k+1)/15], and 0 in the first bin', () => {
    expect(binOf(0)).toBe(0);
    expect(binOf(1 / 15)).toBe(0);
    expect(binOf(0.6)).toBe(8); // 0.6 = 9/15 closes bin 8
    expect(binOf(0.6000000238418579)).toBe(9);
    expect(binOf(0.5)).toBe(7);
    expect(binOf(1)).toBe(14);
    expect(binOf(0.25, 4)).toBe(0);
    expect(binOf(0.26, 4)).toBe(1);
  });
});

describe('topLabelReliability', () => {
  it('gives the bins and ECE, hand-computed', () => {
    // Bin 13 (0.867, 0.933]: 0.9 and 0.92, both right: |1 - 0.91| = 0.09, twice.
    // Bin 12 (0.8, 0.867]: 0.85 wrong: 0.85. Bin 10 (0.667, 0.733]: 0.7 right: 0.3.
    // Bin 8 (0.533, 0.6]: 0.6 wrong: 0.6. ECE = (0.18 + 0.85 + 0.3 + 0.6) / 5 = 0.386.
    const r = topLabelReliability(LABELS, PROBABILITIES);
    expect(r.bins).toHaveLength(15);
    expect(r.ece).toBeCloseTo(0.386, 12);
    expect(r.bins[13]).toMatchObject({ count: 2, accuracy: 1 });
    expect(r.bins[13]?.confidence).toBeCloseTo(0.91, 12);
    expect(r.bins[12]).toMatchObject({ count: 1, accuracy: 0, confidence: 0.85 });
    expect(r.bins[8]).toMatchObject({ count: 1, accuracy: 0, confidence: 0.6 });
    expect(r.bins[0]).toEqual({ low: 0, high: 1 / 15, count: 0, confidence: null, accuracy: null });
    expect(r.bins.reduce((n, b) => n + b.count, 0)).toBe(5);
  });

  it('is 0 for a model whose confidence is its accuracy', () => {
    // Four images at 0.75, all called nevus, three of them nevi: right 3 times in 4.
    const rows = [0, 0, 0, 1].flatMap(() => [0.75, 0.2, 0.05]);
    const r = topLabelReliability([0, 0, 0, 1], rows);
    expect(r.ece).toBeCloseTo(0, 12);
    expect(r.bins[11]).toMatchObject({ count: 4, accuracy: 0.75, confidence: 0.75 });
  });

  it('is null with no images or a NaN, and refuses a wrong count', () => {
    expect(topLabelReliability([], []).ece).toBeNull();
    expect(topLabelReliability([0], [NaN, 0.5, 0.5]).ece).toBeNull();
    expect(() => topLabelReliability([0], [1, 0])).toThrow(RangeError);
    expect(() => reliabilityOf([0.5], [true, false])).toThrow();
  });
});

describe('classReliability', () => {
  it('gives the melanoma-vs-rest ECE, hand-computed', () => {
    // p_melanoma 0.05 (rest), 0.85 (rest), 0.7 (melanoma), 0.3 (rest), 0.92 (melanoma), each alone
    // in its bin: gaps 0.05, 0.85, 0.3, 0.3, 0.08; ECE = 1.58 / 5 = 0.316.
    const r = classReliability(LABELS, PROBABILITIES, 1);
    expect(r.ece).toBeCloseTo(0.316, 12);
    expect(r.bins[0]).toMatchObject({ count: 1, accuracy: 0, confidence: 0.05 });
    expect(r.bins[4]).toMatchObject({ count: 1, accuracy: 0, confidence: 0.3 });
  });
});
