/**
 * Writes a synthetic ISIC 2017 dataset to a folder, or an ISIC Archive gallery zip.
 *
 *   npx tsx scripts/synthetic-isic/cli.ts --out DIR [--seed 2017] [--size 256x192]
 *       [--train 69,19,12] [--val 10,4,6] [--test 20,6,4] [--quality 90]
 *   npx tsx scripts/synthetic-isic/cli.ts --layout archive --out FILE.zip [--seed 2024]
 *       [--counts 12,6,4] [--others 6] [--size 256x192] [--quality 90]
 *
 * Counts are nevus,melanoma,seborrheic_keratosis; `--others` images of diagnoses outside them.
 * `--layout archive` writes the 2024 hierarchical diagnosis, `archive-before-2025` the older
 * `diagnosis` and `benign_malignant` columns. The same options always write the same bytes.
 */
import { parseArgs } from 'node:util';
import { SPLITS } from '../../src/dataset/types.ts';
import { DEFAULT_OPTIONS, type ClassCounts, type SyntheticIsicOptions } from './isic2017.ts';
import { DEFAULT_ARCHIVE_OPTIONS, generateArchive } from './archive.ts';
import { writeDataset, writeZip } from './write.ts';

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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      layout: { type: 'string' },
      counts: { type: 'string' },
      others: { type: 'string' },
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
  const [width, height] = (values.size ?? `${DEFAULT_OPTIONS.width}x${DEFAULT_OPTIONS.height}`)
    .split('x')
    .map(Number);
  if (!width || !height) throw new Error(`--size takes WIDTHxHEIGHT, got "${values.size}"`);
  const layout = values.layout ?? 'isic2017';
  if (layout === 'archive' || layout === 'archive-before-2025') {
    const others =
      values.others === undefined ? DEFAULT_ARCHIVE_OPTIONS.others : Number(values.others);
    if (!Number.isInteger(others) || others < 0)
      throw new Error(`--others takes a count, got "${values.others}"`);
    const archive = {
      seed: values.seed === undefined ? DEFAULT_ARCHIVE_OPTIONS.seed : Number(values.seed),
      width,
      height,
      jpegQuality:
        values.quality === undefined ? DEFAULT_ARCHIVE_OPTIONS.jpegQuality : Number(values.quality),
      counts: parseCounts(values.counts, DEFAULT_ARCHIVE_OPTIONS.counts, 'counts'),
      others,
      style: layout === 'archive' ? ('current' as const) : ('before-2025' as const),
    };
    const files = generateArchive(archive);
    const bytes = await writeZip(values.out, files);
    console.log(`Wrote ${files.length} files into ${values.out} (${bytes} bytes)`);
    return;
  }
  if (layout !== 'isic2017') {
    throw new Error(`--layout takes isic2017, archive or archive-before-2025, got "${layout}"`);
  }
  const options: SyntheticIsicOptions = {
    seed: values.seed === undefined ? DEFAULT_OPTIONS.seed : Number(values.seed),
    width,
    height,
    jpegQuality:
      values.quality === undefined ? DEFAULT_OPTIONS.jpegQuality : Number(values.quality),
    counts: {
      train: parseCounts(values.train, DEFAULT_OPTIONS.counts.train, 'train'),
      val: parseCounts(values.val, DEFAULT_OPTIONS.counts.val, 'val'),
      test: parseCounts(values.test, DEFAULT_OPTIONS.counts.test, 'test'),
    },
  };
  const { files, bytes } = writeDataset(values.out, options);
  const images = SPLITS.map((s) => `${s} ${Object.values(options.counts[s]).join('/')}`);
  console.log(`Wrote ${files} files (${bytes} bytes) to ${values.out}: ${images.join(', ')}`);
}

await main();
