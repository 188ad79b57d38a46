/**
 * Which stored images a run trains and validates on, read from the dataset manifest (the same
 * summary the Dataset stage shows, so the counts agree).
 */
import type { DatasetManifest } from '../dataset/manifest.ts';
import { loadManifest } from '../dataset/storage.ts';
import { summarize, type DatasetRow } from '../dataset/summary.ts';

export interface DatasetSnapshot {
  manifest: DatasetManifest;
  rows: DatasetRow[];
}

export async function loadDataset(): Promise<DatasetSnapshot> {
  const manifest = await loadManifest();
  const rows = manifest ? summarize(manifest).rows : [];
  if (!manifest || rows.length === 0) {
    throw new Error('There is no dataset yet: add images in the Dataset stage first.');
  }
  return { manifest, rows };
}

/** The images with a ground-truth mask in each split: what the SegNet learns from. */
export function segmentationKeys(rows: DatasetRow[]): { train: string[]; val: string[] } {
  const withMask = (split: DatasetRow['split']) =>
    rows.filter((r) => r.split === split && r.hasMask).map((r) => r.key);
  return { train: withMask('train'), val: withMask('val') };
}
