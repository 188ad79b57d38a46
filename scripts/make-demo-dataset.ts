/**
 * Writes the bundled demo dataset (synthetic ISIC 2017, 150 images at 256x192, the ISIC class
 * proportions) to public/demo/, with public/demo/index.json listing every file for the app's
 * "Load demo dataset" button. Skips the work when the folder already holds this exact dataset.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_OPTIONS } from './synthetic-isic/isic2017.ts';
import { writeDataset } from './synthetic-isic/write.ts';

/** Bump when the renderer changes, so stale demo folders are rebuilt. */
const GENERATOR_VERSION = 1;
const DIR = join(import.meta.dirname, '..', 'public', 'demo');
const INDEX = join(DIR, 'index.json');

export interface DemoIndex {
  generatorVersion: number;
  options: typeof DEFAULT_OPTIONS;
  bytes: number;
  files: string[];
}

function isCurrent(): boolean {
  if (!existsSync(INDEX)) return false;
  const index = JSON.parse(readFileSync(INDEX, 'utf8')) as DemoIndex;
  return (
    index.generatorVersion === GENERATOR_VERSION &&
    JSON.stringify(index.options) === JSON.stringify(DEFAULT_OPTIONS)
  );
}

if (isCurrent()) {
  console.log('Demo dataset is up to date in public/demo/');
} else {
  const started = performance.now();
  const { paths, bytes } = writeDataset(DIR, DEFAULT_OPTIONS);
  const index: DemoIndex = {
    generatorVersion: GENERATOR_VERSION,
    options: DEFAULT_OPTIONS,
    bytes,
    files: paths,
  };
  writeFileSync(INDEX, JSON.stringify(index, null, 2) + '\n');
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`Demo dataset: ${paths.length} files, ${bytes} bytes in public/demo/ (${seconds} s)`);
}
