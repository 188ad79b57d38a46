/**
 * Recognises what each dropped file is from its path, for every ISIC layout (README, "Adding a
 * dataset", lists them). Matching goes by file name and the innermost folder that names a
 * split, never by a fixed depth, so doubled folders (`X/X/file.jpg`) and zips work alike. Ids and
 * mask suffixes match case-insensitively.
 */
import { displayId, imageKey } from './ids.ts';
import type { Split } from './types.ts';

export type FileRole =
  | { kind: 'image'; key: string; id: string; split: Split | null }
  | { kind: 'mask'; key: string; id: string; split: Split | null }
  | { kind: 'csv'; split: Split | null }
  | { kind: 'zip' }
  /** ISIC 2024's `train-image.hdf5`: images read by the ids of the metadata CSV's rows. */
  | { kind: 'hdf5'; split: Split | null }
  /** Known clutter, skipped without a word: `__MACOSX/`, `.DS_Store`, superpixel maps... */
  | { kind: 'ignored' }
  /** Anything else: listed for the person with the reason it is not used. */
  | { kind: 'unused'; reason: string };

const IMAGE_EXTENSIONS = /\.(jpe?g|png)$/i;
const MASK = /^(.+?)_segmentation\.png$/i;
const SUPERPIXELS = /_superpixels\.png$/i;
const ATTRIBUTE_MASK = /_attribute_[a-z_]+\.png$/i;
const CLUTTER_NAMES = new Set(['.ds_store', 'thumbs.db', 'desktop.ini']);
/** isic-cli's download in progress (`.isic-partial.…`): a file it had not finished. */
const ISIC_CLI_PARTIAL = /(^|\.)isic-partial\./i;
/** The ISIC Archive's `attribution.txt` and `licenses/CC-0.txt`, `CC-BY.txt`, `CC-BY-NC.txt`. */
const ARCHIVE_ATTRIBUTION = 'attribution.txt';
const ARCHIVE_LICENCE_FOLDER = /^licen[cs]es$/i;
const TIFF = /\.tiff?$/i;
const HDF5 = /\.(hdf5|h5)$/i;

export function classifyPath(path: string): FileRole {
  const segments = path.split('/').filter((s) => s.length > 0);
  const name = segments.at(-1) ?? '';
  const lower = name.toLowerCase();
  if (
    segments.some((s) => s.toLowerCase() === '__macosx') ||
    CLUTTER_NAMES.has(lower) ||
    lower.startsWith('._') ||
    SUPERPIXELS.test(name) ||
    ISIC_CLI_PARTIAL.test(name)
  ) {
    return { kind: 'ignored' };
  }
  // The Archive's credits and licence texts: each image's licence and attribution are read from
  // metadata.csv instead (and summed up on the page).
  const folder = segments.at(-2) ?? '';
  if (
    lower === ARCHIVE_ATTRIBUTION ||
    (ARCHIVE_LICENCE_FOLDER.test(folder) && lower.endsWith('.txt'))
  ) {
    return { kind: 'ignored' };
  }
  if (TIFF.test(name)) {
    return {
      kind: 'unused',
      reason:
        'a TIFF image: the ISIC Archive serves its images over 100 megapixels as ' +
        'Cloud-Optimized GeoTIFF, which Lesion Lab does not read (only JPEG and PNG)',
    };
  }
  if (lower.endsWith('.zip')) return { kind: 'zip' };
  if (HDF5.test(name)) return { kind: 'hdf5', split: splitFromPath(path) };
  if (lower.endsWith('.csv')) return { kind: 'csv', split: splitFromPath(path) };

  const split = splitFromPath(segments.slice(0, -1).join('/'));
  const mask = MASK.exec(name);
  if (mask?.[1]) return { kind: 'mask', key: imageKey(mask[1]), id: displayId(mask[1]), split };
  if (ATTRIBUTE_MASK.test(name)) {
    return {
      kind: 'unused',
      reason: 'an ISIC 2018 Task 2 attribute mask; only lesion masks are used',
    };
  }
  if (IMAGE_EXTENSIONS.test(name)) {
    const inGroundTruth = segments.some((s) => /groundtruth/i.test(s));
    if (inGroundTruth && lower.endsWith('.png')) {
      return {
        kind: 'unused',
        reason: 'a PNG in a ground-truth folder whose name does not end in _segmentation.png',
      };
    }
    return { kind: 'image', key: imageKey(name), id: displayId(name), split };
  }
  return {
    kind: 'unused',
    reason:
      'not an image (.jpg, .png), a lesion mask, an ISIC label CSV, an ISIC 2024 HDF5 image file or a zip archive',
  };
}

const SPLIT_WORDS: Record<string, Split> = {
  training: 'train',
  train: 'train',
  validation: 'val',
  val: 'val',
  test: 'test',
  testing: 'test',
};

/**
 * The split named by the innermost path segment that names one (`ISIC-2017_Test_v2_Data`,
 * `ISIC2018_Task1-2_Validation_Input`, `..._Training_GroundTruth.csv`), or null.
 */
export function splitFromPath(path: string): Split | null {
  const segments = path.split('/').reverse();
  for (const segment of segments) {
    const words = segment
      .toLowerCase()
      .replace(/\.(zip|csv)$/, '')
      .split(/[_\-\s.]+/);
    for (const word of words) {
      const split = SPLIT_WORDS[word];
      if (split) return split;
    }
  }
  return null;
}
