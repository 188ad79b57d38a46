/** For tests: a stored image of a split and its label row, added to a manifest as ingest would. */
import type { DatasetManifest } from './manifest.ts';
import type { LabelRow, LesionClass, Split } from './types.ts';

/**
 * Adds the image `id` of `split` (64 x 64, from `<id>.jpg`) and its label row from `labels.csv`,
 * whose diagnosis is the label's unless `row` says otherwise (an "other" image's, say). Returns
 * its key.
 */
export function addLabelled(
  manifest: DatasetManifest,
  id: string,
  split: Split,
  label: LesionClass | null,
  row: Partial<Pick<LabelRow, 'diagnosis' | 'group' | 'groupBy'>> = {},
): string {
  const key = id.toLowerCase();
  manifest.images[key] = { id, source: `${id}.jpg`, width: 64, height: 64, folderSplit: split };
  manifest.labels[key] = {
    id,
    key,
    label,
    diagnosis: label ?? 'unknown',
    source: 'labels.csv',
    fileSplit: split,
    ...row,
  };
  return key;
}
