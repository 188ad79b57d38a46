/**
 * Writes a synthetic ISIC dataset: ISIC 2017 (a folder), the ISIC Archive's downloads, or ISIC 2024.
 *
 *   npx tsx scripts/synthetic-isic/cli.ts --out DIR [--seed 2017] [--size 256x192]
 *       [--train 69,19,12] [--val 10,4,6] [--test 20,6,4] [--quality 90]
 *   npx tsx scripts/synthetic-isic/cli.ts --layout archive --out FILE.zip [--seed 2024]
 *       [--counts 12,6,4] [--others 6] [--size 256x192] [--quality 90]
 *   npx tsx scripts/synthetic-isic/cli.ts --layout isic-cli --out DIR [archive options]
 *   npx tsx scripts/synthetic-isic/cli.ts --layout archive-snapshot --out ISIC_images.zip
 *       [--zip64] [archive options]
 *   npx tsx scripts/synthetic-isic/cli.ts --layout isic2024 --out DIR [--seed 2024] [--size 64]
 *       [--count N | --counts 12,6,4 --no-class 18] [--quirks all|corrupt-jpeg,missing-image,
 *       orphan-image,unknown-taxonomy] [--hdf5-only | --folder-only] [--quality 90]
 *   npx tsx scripts/synthetic-isic/cli.ts --layout isic2024-challenge --out DIR [isic2024 options]
 *
 * Counts are nevus,melanoma,seborrheic_keratosis; `--others` images of diagnoses outside them.
 * `--layout archive` writes the gallery zip with the 2024 hierarchical diagnosis,
 * `archive-before-2025` the older `diagnosis` and `benign_malignant` columns; `isic-cli` the folder
 * `isic image download DIR` leaves (metadata.csv with pixels_x and pixels_y, and one unfinished
 * `.isic-partial.…` file); `archive-snapshot` the full snapshot zip (images/ then metadata.csv,
 * licenses/, attribution.txt), `--zip64` forcing ZIP64 records as the real 61 GB file has.
 * `--layout isic2024` writes Kaggle's train-metadata.csv with train-image.hdf5 and
 * train-image/image/ (both unless `--hdf5-only` or `--folder-only`); square crops, `--size 64`.
 * `--count N` makes N rows (30 % nevus, 10 % melanoma, 10 % seborrheic keratosis, the rest with no
 * class); `--no-class` rows have no class ("Benign" alone, carcinomas, "Indeterminate", others).
 * `--layout isic2024-challenge` writes the challenge bucket's ISIC_2024_Training_Input.zip,
 * ISIC_2024_Training_GroundTruth.csv and ISIC_2024_Training_Supplement.csv. The same options
 * always write the same bytes.
 */
import { parseArgs } from 'node:util';
import { SPLITS } from '../../src/dataset/types.ts';
import { DEFAULT_OPTIONS, type ClassCounts, type SyntheticIsicOptions } from './isic2017.ts';
import {
  DEFAULT_ARCHIVE_OPTIONS,
  generateArchive,
  type SyntheticArchiveOptions,
} from './archive.ts';
import { generateArchiveSnapshot, writeIsicCliFolder } from './archiveDownloads.ts';
import {
  ALL_QUIRKS,
  DEFAULT_ISIC2024_OPTIONS,
  NO_QUIRKS,
  isic2024CountsFor,
  type Isic2024Quirks,
  type SyntheticIsic2024Options,
} from './isic2024.ts';
import { generateIsic2024Challenge, writeIsic2024 } from './isic2024Files.ts';
import { writeDataset, writeFiles, writeZip } from './write.ts';

function parseCounts(text: string | undefined, fallback: ClassCounts, flag: string): ClassCounts {
  if (text === undefined) return fallback;
  const parts = text.split(',').map(Number);
  if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new Error(
      `--${flag} takes three counts nevus,melanoma,seborrheic_keratosis, got "${text}"`,
    );
  }
  const [nevus, melanoma, seborrheic_keratosis] = parts as [number, number, number];
  return { nevus, melanoma, seborrheic_keratosis };
}

function parseCount(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`--${flag} takes a count, got "${text}"`);
  return count;
}

const QUIRK_FLAGS: Record<string, keyof Isic2024Quirks> = {
  'corrupt-jpeg': 'corruptJpeg',
  'missing-image': 'missingImage',
  'orphan-image': 'orphanImage',
  'unknown-taxonomy': 'unknownTaxonomy',
};

function parseQuirks(text: string | undefined): Isic2024Quirks {
  if (text === undefined || text === '' || text === 'none') return NO_QUIRKS;
  if (text === 'all') return ALL_QUIRKS;
  const quirks = { ...NO_QUIRKS };
  for (const name of text.split(',')) {
    const key = QUIRK_FLAGS[name];
    if (key === undefined) {
      throw new Error(`--quirks takes all or ${Object.keys(QUIRK_FLAGS).join(',')}, got "${name}"`);
    }
    quirks[key] = true;
  }
  return quirks;
}

const LAYOUTS = [
  'isic2017',
  'archive',
  'archive-before-2025',
  'isic-cli',
  'archive-snapshot',
  'isic2024',
  'isic2024-challenge',
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      layout: { type: 'string' },
      counts: { type: 'string' },
      count: { type: 'string' },
      others: { type: 'string' },
      'no-class': { type: 'string' },
      quirks: { type: 'string' },
      'hdf5-only': { type: 'boolean' },
      'folder-only': { type: 'boolean' },
      zip64: { type: 'boolean' },
      out: { type: 'string' },
      seed: { type: 'string' },
      size: { type: 'string' },
      quality: { type: 'string' },
      train: { type: 'string' },
      val: { type: 'string' },
      test: { type: 'string' },
    },
  });
  if (!values.out) throw new Error('--out DIR is required');
  const out = values.out;
  const layout = values.layout ?? 'isic2017';
  if (!LAYOUTS.includes(layout)) {
    throw new Error(`--layout takes ${LAYOUTS.join(', ')}, got "${layout}"`);
  }
  const seed = (fallback: number) => (values.seed === undefined ? fallback : Number(values.seed));
  const quality = (fallback: number) =>
    values.quality === undefined ? fallback : Number(values.quality);

  if (layout === 'isic2024' || layout === 'isic2024-challenge') {
    const defaults = DEFAULT_ISIC2024_OPTIONS;
    const [width, height = width] = (values.size ?? String(defaults.size)).split('x').map(Number);
    if (!width || width !== height) {
      throw new Error(
        `--size takes the side of the square crops (64 or 64x64), got "${values.size}"`,
      );
    }
    const total =
      values.count === undefined ? null : isic2024CountsFor(parseCount(values.count, 0, 'count'));
    const options: SyntheticIsic2024Options = {
      seed: seed(defaults.seed),
      size: width,
      jpegQuality: quality(defaults.jpegQuality),
      counts: parseCounts(values.counts, total?.counts ?? defaults.counts, 'counts'),
      noClass: parseCount(values['no-class'], total?.noClass ?? defaults.noClass, 'no-class'),
      quirks: parseQuirks(values.quirks),
    };
    const started = performance.now();
    if (layout === 'isic2024-challenge') {
      const { files, bytes } = writeFiles(out, await generateIsic2024Challenge(options));
      console.log(`Wrote ${files} files (${bytes} bytes) to ${out}`);
      return;
    }
    if (values['hdf5-only'] && values['folder-only']) {
      throw new Error('--hdf5-only and --folder-only leave nothing to write: give one at most');
    }
    const outputs = { hdf5: !values['folder-only'], folder: !values['hdf5-only'] };
    const { images, files } = await writeIsic2024(out, options, outputs);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const sizes = Object.entries(files).map(([path, bytes]) => `${path} ${bytes} bytes`);
    console.log(`Wrote ${images} images to ${out} in ${seconds} s: ${sizes.join(', ')}`);
    return;
  }

  const [width, height] = (values.size ?? `${DEFAULT_OPTIONS.width}x${DEFAULT_OPTIONS.height}`)
    .split('x')
    .map(Number);
  if (!width || !height) throw new Error(`--size takes WIDTHxHEIGHT, got "${values.size}"`);
  if (layout !== 'isic2017') {
    const archive: SyntheticArchiveOptions = {
      seed: seed(DEFAULT_ARCHIVE_OPTIONS.seed),
      width,
      height,
      jpegQuality: quality(DEFAULT_ARCHIVE_OPTIONS.jpegQuality),
      counts: parseCounts(values.counts, DEFAULT_ARCHIVE_OPTIONS.counts, 'counts'),
      others: parseCount(values.others, DEFAULT_ARCHIVE_OPTIONS.others, 'others'),
      style: layout === 'archive-before-2025' ? 'before-2025' : 'current',
    };
    if (layout === 'isic-cli') {
      const { files, bytes } = writeIsicCliFolder(out, archive);
      console.log(`Wrote ${files} files (${bytes} bytes) to ${out}`);
      return;
    }
    const files =
      layout === 'archive-snapshot' ? generateArchiveSnapshot(archive) : generateArchive(archive);
    const bytes = await writeZip(out, files, { zip64: values.zip64 === true });
    console.log(`Wrote ${files.length} files into ${out} (${bytes} bytes)`);
    return;
  }
  const options: SyntheticIsicOptions = {
    seed: seed(DEFAULT_OPTIONS.seed),
    width,
    height,
    jpegQuality: quality(DEFAULT_OPTIONS.jpegQuality),
    counts: {
      train: parseCounts(values.train, DEFAULT_OPTIONS.counts.train, 'train'),
      val: parseCounts(values.val, DEFAULT_OPTIONS.counts.val, 'val'),
      test: parseCounts(values.test, DEFAULT_OPTIONS.counts.test, 'test'),
    },
  };
  const { files, bytes } = writeDataset(out, options);
  const images = SPLITS.map((s) => `${s} ${Object.values(options.counts[s]).join('/')}`);
  console.log(`Wrote ${files} files (${bytes} bytes) to ${out}: ${images.join(', ')}`);
}

await main();
