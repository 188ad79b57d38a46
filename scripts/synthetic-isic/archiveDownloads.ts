/**
 * The other two ways the ISIC Archive hands out its images, built from the same plan and the same
 * rendered photos as the gallery zip (archive.ts):
 *
 * - isic-cli (`isic image download DIR`): the gallery's files written into a folder, metadata.csv
 *   with `pixels_x` and `pixels_y` among the sorted columns, and one `.isic-partial.<pid>.<random>.jpg`
 *   left behind by a download that never finished (isic-cli's temporary file: a cut-off JPEG).
 *
 * - the full snapshot `ISIC_images.zip` (about 61 GB, so ZIP64):
 *
 *     images/ISIC_1234567.jpg …
 *     metadata.csv
 *     licenses/CC-0.txt, CC-BY.txt, CC-BY-NC.txt
 *     attribution.txt
 *
 *   `zip64: true` forces ZIP64 records on a small one, so that tests read ZIP64 without 61 GB.
 *
 * Seeded: the same options give the same bytes.
 */
import { Random } from '../../src/lib/random.ts';
import {
  archiveMetadataCsv,
  attributionText,
  licenceFiles,
  planArchive,
  renderArchiveImage,
  type SyntheticArchiveOptions,
} from './archive.ts';
import { utf8, type GeneratedFile } from './isic2017.ts';
import { writeFiles, zipFiles, type ZipOptions } from './write.ts';

/** The process id in the name of isic-cli's temporary file (any fixed number will do). */
const ISIC_CLI_PID = 4242;

/** The unfinished download's name: `.isic-partial.<pid>.<8 of Python's tempfile letters>.jpg`. */
export function isicCliPartialName(options: SyntheticArchiveOptions): string {
  const random = new Random(options.seed ^ 0x5a17);
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789_';
  const name = Array.from({ length: 8 }, () => random.pick([...letters])).join('');
  return `.isic-partial.${ISIC_CLI_PID}.${name}.jpg`;
}

/** Every file isic-cli leaves in its folder, images first (as they finish), then the rest. */
export function generateIsicCliFolder(options: SyntheticArchiveOptions): GeneratedFile[] {
  const images = planArchive(options);
  const files = images.map((image) => renderArchiveImage(image, options));
  // The first half of one more JPEG: the download that was cut off.
  const cut = files.find((f) => f.path.endsWith('.jpg'))?.bytes ?? new Uint8Array([0xff, 0xd8]);
  const pixels = { width: options.width, height: options.height };
  return [
    ...files,
    { path: isicCliPartialName(options), bytes: cut.slice(0, Math.ceil(cut.length / 2)) },
    { path: 'metadata.csv', bytes: utf8(archiveMetadataCsv(images, options.style, pixels)) },
    { path: 'attribution.txt', bytes: utf8(attributionText(images)) },
    ...licenceFiles(),
  ];
}

/** Writes the isic-cli folder (replacing what was at `dir`). */
export function writeIsicCliFolder(
  dir: string,
  options: SyntheticArchiveOptions,
): { files: number; bytes: number; paths: string[] } {
  return writeFiles(dir, generateIsicCliFolder(options));
}

/** The snapshot's entries in its order: images/…, metadata.csv, licenses/…, attribution.txt. */
export function generateArchiveSnapshot(options: SyntheticArchiveOptions): GeneratedFile[] {
  const images = planArchive(options);
  return [
    ...images.map((image) => {
      const file = renderArchiveImage(image, options);
      return { path: `images/${file.path}`, bytes: file.bytes };
    }),
    { path: 'metadata.csv', bytes: utf8(archiveMetadataCsv(images, options.style)) },
    ...licenceFiles(),
    { path: 'attribution.txt', bytes: utf8(attributionText(images)) },
  ];
}

/** `ISIC_images.zip`; `{ zip64: true }` writes ZIP64 records as the real 61 GB file has. */
export function zipArchiveSnapshot(
  options: SyntheticArchiveOptions,
  zip: ZipOptions = {},
): Promise<Uint8Array> {
  return zipFiles(generateArchiveSnapshot(options), zip);
}
