/**
 * The app at real scale (`npm run bench -- --only=scale`): the Dataset stage ingesting HAM10000
 * (from the real-data folder beside the repository, when there is one) and a generated ISIC 2019-
 * sized download, through the app on the benchmark's dev server (time, images/s, peak memory of
 * the page and its workers, bytes stored, a reload to the counts); then, in the same browser
 * profile, SegNet epochs over the stored HAM10000 under cache budgets far below the data against
 * an unlimited one; `listRuns` with seed-classifier runs stored (ms and bytes read); and ISIC
 * 2024's train-image.hdf5 with train-metadata.csv, generated at two sizes, ingested through the app
 * (images looked up by id, read in place): images/s and peak memory should not grow with the count.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { generateIsic2017 } from '../scripts/synthetic-isic/isic2017.ts';
import { DEFAULT_ISIC2024_OPTIONS, isic2024CountsFor } from '../scripts/synthetic-isic/isic2024.ts';
import { writeIsic2024 } from '../scripts/synthetic-isic/isic2024Files.ts';
import { SHARED_DATA, hasSharedData } from '../scripts/sharedData.ts';
import { LAUNCH_OPTIONS } from './browser.ts';
import { sampleMemory } from './ingest.ts';
import { benchPage, figure } from './common/driver.ts';
import type {
  ListRunsOptions,
  ListRunsResult,
  StreamingOptions,
  StreamingResult,
} from './scale/protocol.ts';

const DATA = join(import.meta.dirname, '.data');
const MB = 2 ** 20;

export interface ScaleOptions {
  /** HAM10000 images to ingest (all 10,015 when absent). */
  hamImages?: number;
  /** Images of the generated ISIC 2019-sized download. */
  generatedImages: number;
  streaming: Omit<StreamingOptions, 'backend'> & { backend: StreamingOptions['backend'] };
  listRuns: ListRunsOptions;
  /** Rows of the generated ISIC 2024 downloads (train-image.hdf5 + train-metadata.csv), ascending. */
  hdf5Rows: number[];
}

export interface IngestScale {
  label: string;
  /** Files dropped, images and masks stored. */
  files: number;
  images: number;
  masks: number;
  /** The app's own ingest time (data-seconds), and images + masks per second over it. */
  seconds: number;
  filesPerSecond: number;
  peakMemoryMB: number;
  /** What the site stores afterwards (navigator.storage.estimate). */
  storedMB: number;
  /** From reload to the counts table. */
  reloadSeconds: number;
}

export interface ScaleFigures {
  ham?: IngestScale;
  streaming?: StreamingResult;
  generated: IngestScale;
  listRuns: ListRunsResult;
  hdf5: IngestScale[];
}

/** A fresh persistent profile (IndexedDB on disk, as for a person), echoing the page's progress. */
async function openProfile(): Promise<{
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), 'lesion-lab-scale-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...LAUNCH_OPTIONS,
    viewport: { width: 1280, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (message) => {
    if (message.type() === 'error') console.error(`  [console error] ${message.text()}`);
    else if (message.text().startsWith('[scale')) console.log(`  ${message.text()}`);
  });
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Drops `folder` on the app's folder input and waits for the ingest to end. */
async function ingestThroughApp(page: Page, label: string, folder: string): Promise<IngestScale> {
  await page.goto(`${await benchPage('')}?backend=wasm`);
  await page.getByTestId('backend').and(page.locator('[data-state=ready]')).waitFor({
    timeout: 180_000,
  });
  const files = countFiles(folder);
  const memory = sampleMemory(page);
  await page.getByTestId('folder-input').setInputFiles(folder);
  const status = page.getByTestId('ingest-status');
  let last = '';
  for (;;) {
    const state = await status.getAttribute('data-state');
    if (state === 'done' || state === 'error') break;
    const done = `${await status.getAttribute('data-done')} / ${await status.getAttribute('data-total')}`;
    if (done !== last) console.log(`  ${label}: ${done}`);
    last = done;
    await page.waitForTimeout(10_000);
  }
  const peak = await memory.stop();
  if ((await status.getAttribute('data-state')) === 'error') {
    throw new Error(`${label}: the ingest failed: ${await status.innerText()}`);
  }
  const seconds = Number(await status.getAttribute('data-seconds'));
  const text = await status.innerText();
  const [, images, masks] = /Added (\d+) images, (\d+) masks/.exec(text) ?? [];
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  const reloadStarted = performance.now();
  await page.reload();
  await page.getByTestId('count-train-total').waitFor({ timeout: 120_000 });
  const reloadSeconds = (performance.now() - reloadStarted) / 1000;
  const figures: IngestScale = {
    label,
    files,
    images: Number(images),
    masks: Number(masks),
    seconds,
    filesPerSecond: (Number(images) + Number(masks)) / seconds,
    peakMemoryMB: peak / MB,
    storedMB: usage / MB,
    reloadSeconds,
  };
  console.log(`  ${label}: ${JSON.stringify(figures)}`);
  return figures;
}

function countFiles(folder: string): number {
  return readdirSync(folder, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .length;
}

/** HAM10000 as released, or its first `images` images with their masks and the metadata CSV. */
function hamFolder(images: number | undefined): string {
  const ham = join(SHARED_DATA, 'ham10000');
  if (images === undefined) return ham;
  const dir = join(DATA, `ham10000-${images}`);
  if (existsSync(dir)) return dir;
  const ids = readdirSync(join(ham, 'HAM10000_images')).sort().slice(0, images);
  for (const id of ids) {
    const stem = id.replace(/\.jpg$/, '');
    cpSync(join(ham, 'HAM10000_images', id), join(dir, 'HAM10000_images', id));
    const mask = `HAM10000_segmentations_lesion_tschandl/${stem}_segmentation.png`;
    cpSync(join(ham, mask), join(dir, mask));
  }
  cpSync(join(ham, 'HAM10000_metadata.csv'), join(dir, 'HAM10000_metadata.csv'));
  return dir;
}

/**
 * An ISIC 2019-sized training download: `count` 600x450 JPEGs in `ISIC_2019_Training_Input/`,
 * the one-hot ground truth and the metadata, classes in ISIC 2019's proportions of nevus, melanoma
 * and benign keratosis. Distinct photos come from the synthetic generator and repeat under new ids
 * (decoding costs the same), so making 25,000 takes seconds.
 */
function generatedFolder(count: number): string {
  const dir = join(DATA, `isic2019-${count}`);
  const input = join(dir, 'ISIC_2019_Training_Input');
  if (existsSync(input) && readdirSync(input).length === count) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(input, { recursive: true });
  const photos = generateIsic2017({
    seed: 19,
    width: 600,
    height: 450,
    jpegQuality: 90,
    counts: {
      train: { nevus: 8, melanoma: 4, seborrheic_keratosis: 4 },
      val: { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 },
      test: { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 },
    },
  }).filter((f) => f.path.endsWith('.jpg'));
  // ISIC 2019: 12,875 NV, 4,522 MEL, 2,624 BKL.
  const classOf = (i: number) => (i % 20 < 13 ? 'NV' : i % 20 < 18 ? 'MEL' : 'BKL');
  const truth = ['image,MEL,NV,BCC,AK,BKL,DF,VASC,SCC,UNK'];
  const metadata = ['image,age_approx,anatom_site_general,lesion_id,sex'];
  for (let i = 0; i < count; i++) {
    const id = `ISIC_${String(i).padStart(7, '0')}`;
    const photo = photos[i % photos.length];
    if (photo) writeFileSync(join(input, `${id}.jpg`), photo.bytes);
    const cls = classOf(i);
    truth.push(
      [
        id,
        ...['MEL', 'NV', 'BCC', 'AK', 'BKL', 'DF', 'VASC', 'SCC', 'UNK'].map((c) =>
          c === cls ? '1.0' : '0.0',
        ),
      ].join(','),
    );
    metadata.push(
      `${id},${30 + (i % 50)},anterior torso,BCN_${String(Math.floor(i / 2)).padStart(7, '0')},${i % 2 ? 'male' : 'female'}`,
    );
  }
  writeFileSync(join(dir, 'ISIC_2019_Training_GroundTruth.csv'), truth.join('\n') + '\n');
  writeFileSync(join(dir, 'ISIC_2019_Training_Metadata.csv'), metadata.join('\n') + '\n');
  return dir;
}

/**
 * ISIC 2024 as Kaggle ships it, `rows` rows: train-image.hdf5 (64 px crops) and train-metadata.csv,
 * half the rows of a class, half without one (left out, never decoded). Made once and kept.
 */
async function hdf5Folder(rows: number): Promise<string> {
  const dir = join(DATA, `isic2024-${rows}`, 'isic-2024-challenge');
  if (existsSync(join(dir, 'train-image.hdf5'))) return dir;
  console.log(`  generating ISIC 2024 with ${rows} rows (kept in ${dir})`);
  await writeIsic2024(
    dir,
    { ...DEFAULT_ISIC2024_OPTIONS, seed: 2024, ...isic2024CountsFor(rows) },
    { hdf5: true, folder: false },
  );
  return dir;
}

export async function benchScale(options: ScaleOptions): Promise<ScaleFigures> {
  let ham: IngestScale | undefined;
  let streaming: StreamingResult | undefined;
  if (hasSharedData('ham10000')) {
    const browser = await openProfile();
    try {
      ham = await ingestThroughApp(browser.page, 'HAM10000', hamFolder(options.hamImages));
      await browser.page.goto(await benchPage('bench/scale/index.html'));
      await browser.page.waitForFunction(() => 'runScaleStreaming' in window);
      streaming = await browser.page.evaluate(
        (o) => window.runScaleStreaming(o),
        options.streaming,
      );
    } finally {
      await browser.close();
    }
  } else {
    console.log(`  no HAM10000 in ${SHARED_DATA}: its ingest and the streaming epochs are skipped`);
  }

  const generated = await (async () => {
    const browser = await openProfile();
    try {
      return await ingestThroughApp(
        browser.page,
        `generated ISIC 2019, ${options.generatedImages} images`,
        generatedFolder(options.generatedImages),
      );
    } finally {
      await browser.close();
    }
  })();

  const listRuns = await (async () => {
    const browser = await openProfile();
    try {
      await browser.page.goto(await benchPage('bench/scale/index.html'));
      await browser.page.waitForFunction(() => 'runListRuns' in window);
      return await browser.page.evaluate((o) => window.runListRuns(o), options.listRuns);
    } finally {
      await browser.close();
    }
  })();
  const hdf5: IngestScale[] = [];
  for (const rows of options.hdf5Rows) {
    const folder = await hdf5Folder(rows);
    const browser = await openProfile();
    try {
      hdf5.push(
        await ingestThroughApp(browser.page, `ISIC 2024 train-image.hdf5, ${rows} rows`, folder),
      );
    } finally {
      await browser.close();
    }
  }
  return {
    ...(ham ? { ham } : {}),
    ...(streaming ? { streaming } : {}),
    generated,
    listRuns,
    hdf5,
  };
}

/** Streaming holds when a small budget trains at least this fast, relative to an unlimited one. */
export const STREAMING_TARGET = 0.8;

export function scaleMarkdown(figures: ScaleFigures): string[] {
  const ingestRow = (r: IngestScale) =>
    `| ${r.label} | ${r.files} | ${r.images} + ${r.masks} | ${r.seconds.toFixed(0)} | ${r.filesPerSecond.toFixed(1)} | ${r.peakMemoryMB.toFixed(0)} | ${r.storedMB.toFixed(0)} | ${r.reloadSeconds.toFixed(1)} |`;
  const lines = [
    '### Scale: ingest through the app (256 px stored)',
    '',
    '| dataset | files | images + masks stored | seconds | files/s | peak memory, page + workers (MB) | stored (MB) | reload to counts (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...(figures.ham ? [ingestRow(figures.ham)] : []),
    ingestRow(figures.generated),
    ...figures.hdf5.map(ingestRow),
    '',
  ];
  const [small, large] = [figures.hdf5[0], figures.hdf5.at(-1)];
  if (small && large && small !== large) {
    lines.push(
      `ISIC 2024 HDF5, ${large.label.split(', ')[1]} against ${small.label.split(', ')[1]}: images/s ${(large.filesPerSecond / small.filesPerSecond).toFixed(2)}x, peak memory ${(large.peakMemoryMB / small.peakMemoryMB).toFixed(2)}x (flat in the count: both near 1). Half the rows have a class; the rest are looked up, counted as left out and not decoded.`,
      '',
    );
  }
  const s = figures.streaming;
  if (s) {
    const rate = (r: (typeof s.rounds)[number]) => {
      const timed = r.epochs.slice(1);
      const images = timed.reduce((sum, e) => sum + e.images, 0);
      return images / timed.reduce((sum, e) => sum + e.seconds, 0);
    };
    const unlimited = s.rounds.find((r) => r.budgetMB === null);
    lines.push(
      `### Scale: SegNet epochs on the stored HAM10000 (${s.images} training images with masks, ${(s.storedBytes / MB).toFixed(0)} MB stored; ${s.backend}, ${s.inputSize} px, batch ${s.batchSize})`,
      '',
      '| cache budget | images/s (epochs after the first) | ratio to unlimited | records from memory / from IndexedDB |',
      '| --- | --- | --- | --- |',
      ...s.rounds.map((r) => {
        const ratio = unlimited ? rate(r) / rate(unlimited) : NaN;
        const verdict =
          r.budgetMB === null
            ? ''
            : ratio >= STREAMING_TARGET
              ? ' (meets ≥ 0.8)'
              : ' (misses ≥ 0.8)';
        return `| ${r.budgetMB === null ? 'unlimited' : `${r.budgetMB} MB`} | ${figure(rate(r))} | ${ratio.toFixed(2)}${verdict} | ${r.hits} / ${r.misses} |`;
      }),
      '',
    );
  }
  const l = figures.listRuns;
  lines.push(
    `### Scale: listing runs (${l.runs} seed-classifier runs, ${(l.stateBytes / MB).toFixed(0)} MB of optimizer state each)`,
    '',
    '| listing | ms | bytes read |',
    '| --- | --- | --- |',
    `| \`listRuns\` (run records only) | ${l.listMs.toFixed(1)} | ${l.listBytesRead} |`,
    `| the store read whole, one run in the layout before the run-data store | ${l.legacyMs.toFixed(0)} | ${l.legacyBytesRead} |`,
    '',
  );
  return lines;
}
