import { describe, expect, it } from 'vitest';
import { assignSplits, type SplitItem } from './split.ts';
import type { LesionClass, Split } from './types.ts';

function items(
  count: number,
  label: LesionClass,
  split: Split | null = null,
  prefix: string = label,
) {
  return Array.from({ length: count }, (_, i): SplitItem => ({
    key: `${prefix}${i}`,
    split,
    label,
  }));
}

function tally(result: Map<string, Split>, keys: string[]): Record<Split, number> {
  const counts: Record<Split, number> = { train: 0, val: 0, test: 0 };
  for (const key of keys) counts[result.get(key) as Split]++;
  return counts;
}

describe('assignSplits', () => {
  it('splits an unsplit dataset 70/15/15 within every class', () => {
    const all = [
      ...items(100, 'nevus'),
      ...items(20, 'melanoma'),
      ...items(40, 'seborrheic_keratosis'),
    ];
    const result = assignSplits(all, 1);
    expect(result.size).toBe(160);
    expect(
      tally(
        result,
        all.filter((i) => i.label === 'nevus').map((i) => i.key),
      ),
    ).toEqual({
      train: 70,
      val: 15,
      test: 15,
    });
    expect(
      tally(
        result,
        all.filter((i) => i.label === 'melanoma').map((i) => i.key),
      ),
    ).toEqual({
      train: 14,
      val: 3,
      test: 3,
    });
    expect(
      tally(
        result,
        all.filter((i) => i.label === 'seborrheic_keratosis').map((i) => i.key),
      ),
    ).toEqual({ train: 28, val: 6, test: 6 });
  });

  it('keeps each lesion or patient group in one split', () => {
    const all: SplitItem[] = Array.from({ length: 60 }, (_, i) => ({
      key: `k${i}`,
      split: null,
      label: 'nevus',
      group: `lesion${Math.floor(i / 3)}`,
    }));
    const result = assignSplits(all, 5);
    for (let g = 0; g < 20; g++) {
      const splits = new Set([0, 1, 2].map((j) => result.get(`k${g * 3 + j}`)));
      expect(splits.size).toBe(1);
    }
    expect(
      tally(
        result,
        all.map((i) => i.key),
      ),
    ).toEqual({ train: 42, val: 9, test: 9 });
  });

  it('keeps the splits the folders name and carves validation from train when none is given', () => {
    const named = [...items(10, 'nevus', 'train', 'a'), ...items(4, 'nevus', 'val', 'b')];
    const kept = assignSplits(named, 3);
    expect(
      tally(
        kept,
        named.map((i) => i.key),
      ),
    ).toEqual({ train: 10, val: 4, test: 0 });

    const isic2016 = [...items(20, 'nevus', 'train', 'tr'), ...items(6, 'nevus', 'test', 'te')];
    const carved = assignSplits(isic2016, 3);
    expect(
      tally(
        carved,
        isic2016.map((i) => i.key),
      ),
    ).toEqual({ train: 17, val: 3, test: 6 });
  });

  it('deals images kept for an "other" class last, so keeping them moves no other image', () => {
    const classes = [
      ...items(40, 'nevus'),
      ...items(12, 'melanoma'),
      ...items(12, 'seborrheic_keratosis'),
      ...items(6, 'nevus', null, 'unlabeled').map((i) => ({ ...i, label: null })),
    ];
    const other = items(20, 'nevus', null, 'bcc').map((i): SplitItem => ({ ...i, label: 'other' }));
    const alone = assignSplits(classes, 4);
    const withOther = assignSplits([...other, ...classes], 4);
    for (const { key } of classes) expect(withOther.get(key)).toBe(alone.get(key));
    expect(
      tally(
        withOther,
        other.map((i) => i.key),
      ),
    ).toEqual({ train: 14, val: 3, test: 3 });
  });

  it('gives the same split for the same seed and a different one for another seed', () => {
    const all = items(50, 'melanoma');
    const a = assignSplits(all, 11);
    expect(assignSplits(all, 11)).toEqual(a);
    expect(assignSplits(all, 12)).not.toEqual(a);
  });
});
