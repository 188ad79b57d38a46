import { describe, expect, it } from 'vitest';
import type { SplitSummary } from '../../dataset/summary.ts';
import { grouping, splitText } from './splitText.ts';

const split = (
  method: SplitSummary['method'],
  seeded: number,
  groupedBy: Partial<SplitSummary['groupedBy']> = {},
): SplitSummary => ({
  method,
  seeded,
  groupedBy: { lesion: 0, patient: 0, unknown: 0, ...groupedBy },
});

describe('how the Dataset stage says the splits were made', () => {
  it('names the id that kept images together, and how many had one', () => {
    expect(splitText(split('all', 13, { patient: 13 }))).toBe(
      "No file names a validation or test split: the app split all 13 images 70 / 15 / 15 (seeded, stratified by class, each patient's images in one split (patient_id)).",
    );
    expect(splitText(split('all', 10_015, { lesion: 9_000 }))).toContain(
      "each lesion's images in one split (lesion_id, 9000 of 10015 images have one)",
    );
    expect(grouping(split('all', 5, { lesion: 2, patient: 3 }))).toBe('mixed');
    expect(grouping(split('all', 5, { unknown: 5 }))).toBe('mixed');
    expect(splitText(split('validation', 900))).toBe(
      'No file names a validation split: the app took 15% of the 900 training images for validation (seeded, stratified by class, image by image (no lesion or patient ids)).',
    );
  });

  it('says when the folders made every split', () => {
    expect(splitText(split('unsplit', 0))).toBe('Splits as the folders and label files name them.');
    expect(grouping(split('unsplit', 0))).toBe('none');
    expect(splitText(split('unsplit', 4, { lesion: 4 }))).toContain(
      'the app split the 4 images without one 70 / 15 / 15',
    );
  });
});
