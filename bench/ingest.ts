/**
 * Ingest throughput: the app's Dataset stage (folder input → ingest worker → IndexedDB) on
 * 1024x768 JPEGs, against bare `createImageBitmap` decode + resize of the same files in the same
 * browser, and the peak memory of the page and its workers while the app ingests.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { generateIsic2017 } from '../scripts/synthetic-isic/isic2017.ts';
import { startEnvironment, stats, stopEnvironment, type Environment } from './browser.ts';

const DATA = join(import.meta.dirname, '.data');
/** Distinct rendered photos; the folders repeat them under new ids (decoding cost is the same). */
const DISTINCT = 8;

export interface IngestFigure {
  images: number;
  app: ReturnType<typeof stats>;
  baseline: ReturnType<typeof stats>;
  /** App images/s over baseline images/s (medians). Target: at least 0.7. */
  ratio: number;
  /** Peak memory of the page and its workers during the app's ingest, MB (median of runs). */
  peakMemoryMB: number;
}

/** A folder of `count` 1024x768 JPEGs in the ISIC 2017 training layout, made once and kept. */
function folderOf(count: number): string {
  const dir = join(DATA, `ingest-${count}`, 'ISIC-2017_Training_Data');
  if (existsSync(dir) && readdirSync(dir).length === count) return dir;
  rmSync(join(DATA, `ingest-${count}`), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const photos = generateIsic2017({
    seed: 8,
    width: 1024,
    height: 768,
    jpegQuality: 90,
    counts: {
      train: { nevus: DISTINCT / 2, melanoma: DISTINCT / 4, seborrheic_keratosis: DISTINCT / 4 },
      val: { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 },
      test: { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 },
    },
  }).filter((f) => f.path.endsWith('.jpg'));
  for (let i = 0; i < count; i++) {
    const photo = photos[i % photos.length];
    if (photo) writeFileSync(join(dir, `ISIC_${String(i).padStart(7, '0')}.jpg`), photo.bytes);
  }
  return dir;
}

/** Samples the memory of the page and its workers until stopped; returns the peak in bytes. */
export function sampleMemory(page: Page): { stop: () => Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const bytes = await page
        .evaluate(async () => {
          const measure = (
            performance as unknown as {
              measureUserAgentSpecificMemory?: () => Promise<{ bytes: number }>;
            }
          ).measureUserAgentSpecificMemory;
          return measure ? (await measure.call(performance)).bytes : 0;
        })
        .catch(() => 0);
      peak = Math.max(peak, bytes);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

async function appRun(
  env: Environment,
  folder: string,
  count: number,
): Promise<{ rate: number; peak: number }> {
  // The service worker would store the whole build while the ingest is timed.
  const context = await env.browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  await page.goto(env.url);
  await page.getByTestId('backend').and(page.locator('[data-state=ready]')).waitFor();
  const memory = sampleMemory(page);
  await page.getByTestId('folder-input').setInputFiles(folder);
  const status = page.getByTestId('ingest-status');
  await status.and(page.locator('[data-state=done]')).waitFor({ timeout: 600_000 });
  const peak = await memory.stop();
  const seconds = Number(await status.getAttribute('data-seconds'));
  // Without validation or test folders the app splits the images 70 / 15 / 15: sum the splits.
  let stored = 0;
  for (const split of ['train', 'val', 'test']) {
    stored += Number(await page.getByTestId(`count-${split}-total`).getAttribute('data-value'));
  }
  if (stored !== count) throw new Error(`The app stored ${stored} of ${count} images`);
  await context.close();
  return { rate: count / seconds, peak };
}

/** Bare decode + resize to 256x256 + pixel read-back, two at a time (baseline-decode.js). */
async function baselineRun(env: Environment, folder: string, count: number): Promise<number> {
  // The baseline's script is added inline, which the built app's policy refuses.
  const context = await env.browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(env.url);
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = true;
    input.webkitdirectory = true;
    input.id = 'bench-input';
    document.body.append(input);
  });
  await page.locator('#bench-input').setInputFiles(folder);
  await page.addScriptTag({ path: join(import.meta.dirname, 'baseline-decode.js') });
  const seconds = await page.evaluate(() =>
    (window as unknown as { benchDecode: (files: File[]) => Promise<number> }).benchDecode(
      Array.from((document.getElementById('bench-input') as HTMLInputElement).files ?? []),
    ),
  );
  await context.close();
  return count / seconds;
}

export async function benchIngest(
  env: Environment,
  sizes: number[],
  runs: number,
): Promise<IngestFigure[]> {
  const figures: IngestFigure[] = [];
  for (const count of sizes) {
    const folder = folderOf(count);
    // Warm-up: the first run in a browser pays for starting workers and compiling code.
    await baselineRun(env, folder, count);
    const app: number[] = [];
    const baseline: number[] = [];
    const peaks: number[] = [];
    for (let run = 0; run < runs; run++) {
      const result = await appRun(env, folder, count);
      app.push(result.rate);
      peaks.push(result.peak);
      baseline.push(await baselineRun(env, folder, count));
      console.log(
        `  ingest ${count} images, run ${run + 1}/${runs}: app ${result.rate.toFixed(1)} images/s, ` +
          `baseline ${baseline.at(-1)?.toFixed(1)} images/s, peak memory ${(result.peak / 2 ** 20).toFixed(0)} MB`,
      );
    }
    const appStats = stats(app);
    const baselineStats = stats(baseline);
    figures.push({
      images: count,
      app: appStats,
      baseline: baselineStats,
      ratio: appStats.median / baselineStats.median,
      peakMemoryMB: stats(peaks).median / 2 ** 20,
    });
  }
  return figures;
}

export function ingestMarkdown(ingest: IngestFigure[] | undefined): string[] {
  if (!ingest) return [];
  const f = (n: number) => n.toFixed(1);
  const rows = ingest.map(
    (r) =>
      `| ${r.images} | ${f(r.app.median)} (${f(r.app.min)}–${f(r.app.max)}) | ${f(r.baseline.median)} (${f(r.baseline.min)}–${f(r.baseline.max)}) | ${r.ratio.toFixed(2)} ${r.ratio >= 0.7 ? '(meets ≥ 0.7)' : '(misses ≥ 0.7)'} | ${r.peakMemoryMB.toFixed(0)} |`,
  );
  return [
    '### Ingest, 1024x768 JPEGs → 256x256 stored (images/s, median and range)',
    '',
    '| images | app | bare createImageBitmap | ratio | peak memory, page + workers (MB) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

/** The newest modification time under a path, in ms. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** dist/ is missing or older than a source it is built from. */
function buildIsStale(): boolean {
  const root = join(import.meta.dirname, '..');
  const built = join(root, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];
  return sources.some((name) => {
    const path = join(root, name);
    return existsSync(path) && newest(path) > statSync(built).mtimeMs;
  });
}

/** Builds the app when dist/ is stale, then ingests through it (one size and run with --quick). */
export async function runIngest(quick: boolean): Promise<IngestFigure[]> {
  if (buildIsStale()) {
    console.log('Building the app…');
    execSync('npm run build', { stdio: 'ignore' });
  }
  const env = await startEnvironment();
  try {
    return await benchIngest(env, quick ? [60] : [200, 800], quick ? 1 : 3);
  } finally {
    await stopEnvironment(env);
  }
}
