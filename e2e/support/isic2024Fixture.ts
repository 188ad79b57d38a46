/**
 * The layouts researchers download today, generated at test time (never committed): ISIC 2024 as
 * Kaggle ships it (train-image.hdf5, or the train-image/image/ JPEGs, with train-metadata.csv) and
 * as the challenge bucket does (the input zip, GroundTruth and Supplement), each with a corrupt
 * JPEG, a row without image, an image without row and an iddx_2 outside the taxonomy; an isic-cli
 * download folder; and the Archive's full snapshot zip, written ZIP64 as the real one is. What the
 * page must show is derived from the same plans.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  writeIsicCliFolder,
  zipArchiveSnapshot,
} from '../../scripts/synthetic-isic/archiveDownloads.ts';
import {
  ALL_QUIRKS,
  expectedIsic2024,
  type SyntheticIsic2024Options,
} from '../../scripts/synthetic-isic/isic2024.ts';
import {
  generateIsic2024Challenge,
  writeIsic2024,
} from '../../scripts/synthetic-isic/isic2024Files.ts';
import { writeFiles } from '../../scripts/synthetic-isic/write.ts';
import { ARCHIVE, ARCHIVE_OPTIONS } from './archiveFixture.ts';
import { FIXTURES } from './isicFixture.ts';

export const ISIC2024_OPTIONS: SyntheticIsic2024Options = {
  seed: 24,
  size: 48,
  jpegQuality: 90,
  counts: { nevus: 6, melanoma: 4, seborrheic_keratosis: 3 },
  noClass: 8,
  quirks: ALL_QUIRKS,
};

/** Kaggle's folder with the HDF5 file only, with the JPEG folder only, and the challenge's files. */
export const ISIC2024_HDF5 = join(FIXTURES, 'isic2024-hdf5', 'isic-2024-challenge');
export const ISIC2024_FOLDER = join(FIXTURES, 'isic2024-folder', 'isic-2024-challenge');
export const ISIC2024_CHALLENGE = join(FIXTURES, 'isic2024-challenge');
export const ISIC_CLI = join(FIXTURES, 'isic-cli', 'isic-download');
export const SNAPSHOT = join(ARCHIVE, 'ISIC_images.zip');

export async function makeDownloadFixtures(): Promise<void> {
  await writeIsic2024(ISIC2024_HDF5, ISIC2024_OPTIONS, { hdf5: true, folder: false });
  await writeIsic2024(ISIC2024_FOLDER, ISIC2024_OPTIONS, { hdf5: false, folder: true });
  writeFiles(ISIC2024_CHALLENGE, await generateIsic2024Challenge(ISIC2024_OPTIONS));
  writeIsicCliFolder(ISIC_CLI, ARCHIVE_OPTIONS);
  mkdirSync(ARCHIVE, { recursive: true });
  writeFileSync(SNAPSHOT, await zipArchiveSnapshot(ARCHIVE_OPTIONS, { zip64: true }));
}

/** What the page must show for ISIC 2024: a row refused for its taxonomy stores its image unlabeled. */
export function expectedIsic2024Page() {
  const expected = expectedIsic2024(ISIC2024_OPTIONS);
  const refused = new Set(expected.unknownTaxonomy);
  const leftOut = new Map<string, number>();
  for (const [diagnosis, ids] of expected.leftOut) {
    const kept = ids.filter((id) => !refused.has(id));
    if (kept.length > 0) leftOut.set(diagnosis, kept.length);
  }
  return {
    ...expected,
    perClass: Object.fromEntries(
      Object.entries(expected.classes).map(([label, ids]) => [label, ids.length]),
    ),
    leftOutCounts: leftOut,
  };
}
