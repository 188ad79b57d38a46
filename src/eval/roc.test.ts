import { describe, expect, it } from 'vitest';
import { rocAuc } from './roc.ts';

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
