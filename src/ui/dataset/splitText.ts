/** How the Dataset stage says the splits were made (pure, so its wording is tested). */
import type { SplitSummary } from '../../dataset/summary.ts';

/** What kept images together in the seeded part: one id kind, both, or none. */
export type Grouping = 'patient' | 'lesion' | 'mixed' | 'none';

export function grouping({ groupedBy }: SplitSummary): Grouping {
  const { patient, lesion, unknown } = groupedBy;
  if (patient + lesion + unknown === 0) return 'none';
  if (unknown > 0 || (patient > 0 && lesion > 0)) return 'mixed';
  return patient > 0 ? 'patient' : 'lesion';
}

function groupPhrase(split: SplitSummary): string {
  const kind = grouping(split);
  if (kind === 'none') return 'image by image (no lesion or patient ids)';
  const grouped = split.groupedBy.patient + split.groupedBy.lesion + split.groupedBy.unknown;
  const of = grouped < split.seeded ? `, ${grouped} of ${split.seeded} images have one` : '';
  if (kind === 'mixed') return `each lesion's or patient's images in one split${of}`;
  return `each ${kind}'s images in one split (${kind}_id${of})`;
}

export function splitText(split: SplitSummary): string {
  const how = `seeded, stratified by class, ${groupPhrase(split)}`;
  switch (split.method) {
    case 'all':
      return `No file names a validation or test split: the app split all ${split.seeded} images 70 / 15 / 15 (${how}).`;
    case 'validation':
      return `No file names a validation split: the app took 15% of the ${split.seeded} training images for validation (${how}).`;
    case 'unsplit':
      return split.seeded === 0
        ? 'Splits as the folders and label files name them.'
        : `Splits as the folders and label files name them; the app split the ${split.seeded} images without one 70 / 15 / 15 (${how}).`;
  }
}
