/**
 * The Node side every training benchmark shares (bench/segnet.ts, bench/densenet.ts): Vite's dev
 * server for the benchmark pages (they import the app's modules from src/), one run of a page in a
 * fresh persistent Chromium profile (so IndexedDB is on disk as for a person) with a time limit,
 * and throughput over the timed epochs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type ConsoleMessage } from '@playwright/test';
import { createServer, type ViteDevServer } from 'vite';
import { LAUNCH_OPTIONS } from '../browser.ts';
import type { EpochTiming } from './protocol.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** Every benchmark page, so that one dependency scan (and cache) serves them all. */
const PAGES = [
  'bench/segnet/index.html',
  'bench/densenet/index.html',
  'bench/diagnose/index.html',
  'bench/step/index.html',
  'bench/choice/index.html',
];

/** Epochs after the first (warm-up: shader compilation, first allocations) are timed. */
export const WARM_UP_EPOCHS = 1;
/** The app's loop against bare tfjs: app images/s over bare images/s should be at least this. */
export const TARGET_RATIO = 0.9;

export interface Throughput {
  /** Images over seconds of the timed epochs (2 to last). */
  imagesPerSecond: number;
  /** Each timed epoch's images/s. */
  perEpoch: number[];
}

export function throughput(timings: EpochTiming[]): Throughput {
  const timed = timings.slice(WARM_UP_EPOCHS);
  const images = timed.reduce((sum, t) => sum + t.images, 0);
  const seconds = timed.reduce((sum, t) => sum + t.seconds, 0);
  return {
    imagesPerSecond: seconds > 0 ? images / seconds : NaN,
    perEpoch: timed.map((t) => t.images / t.seconds),
  };
}

/** A figure for a table: one decimal from 10 up, else two significant places after the point. */
export function figure(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return n >= 10 ? n.toFixed(1) : n >= 0.1 ? n.toFixed(2) : n.toPrecision(2);
}

/** A throughput with its per-epoch range, e.g. "6.95 (6.80–7.10)". */
export function rate(t: Throughput): string {
  const range =
    t.perEpoch.length > 1
      ? ` (${figure(Math.min(...t.perEpoch))}–${figure(Math.max(...t.perEpoch))})`
      : '';
  return `${figure(t.imagesPerSecond)}${range}`;
}

export function ratioText(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const verdict = ratio >= TARGET_RATIO ? 'meets' : 'misses';
  return `${ratio.toFixed(2)} (${verdict} ≥ ${TARGET_RATIO})`;
}

/** The app's vite.config.ts (defines, worker format, isolation headers) on a port of its own. */
export async function startBenchServer(port: number): Promise<ViteDevServer> {
  // Without watching or reloading, with a dependency cache of its own beside the app's.
  const server = await createServer({
    root: ROOT,
    cacheDir: join(import.meta.dirname, '..', '.data', 'vite'),
    logLevel: 'warn',
    clearScreen: false,
    server: { port, strictPort: true, hmr: false, watch: null },
    optimizeDeps: {
      entries: PAGES,
      // Found up front, so the dev server never re-optimises (and reloads) while a worker runs.
      include: [
        '@tensorflow/tfjs',
        '@tensorflow/tfjs-backend-webgpu',
        '@tensorflow/tfjs-backend-wasm',
        'idb-keyval',
      ],
    },
  });
  await server.listen();
  return server;
}

export interface PageRun<Options> {
  /** The benchmark page. */
  url: string;
  /** The page's `window` function that runs the benchmark (e.g. runSegNetBench). */
  entry: string;
  options: Options;
  /** Console lines of the page that start with this are echoed (the worker's progress). */
  echo: string;
  /** Names the run in error lines. */
  label: string;
  timeoutMs: number;
  /** Chromium flags beyond the benchmarks' own (LAUNCH_OPTIONS). */
  extraArgs?: string[];
}

export interface PageOutcome<Result, Round> {
  /** The worker's result; absent when it failed or ran out of time. */
  result?: Result;
  /** The rounds the worker reported before it finished, failed or ran out of time. */
  rounds: Round[];
  error?: string;
  timedOut: boolean;
  /** Wall-clock seconds from opening the page to the end. */
  seconds: number;
  /** The worker's last progress line (how far a run that failed or timed out got). */
  lastProgress?: string;
  /** Errors the page or its worker printed while it ran. */
  consoleErrors: string[];
}

/**
 * Opens the page in a fresh persistent profile, calls its entry with the options and waits for the
 * result, at most `timeoutMs`; then closes the browser and deletes the profile, whatever happened.
 */
export async function runPage<Options, Result, Round>(
  run: PageRun<Options>,
): Promise<PageOutcome<Result, Round>> {
  const started = performance.now();
  const profile = mkdtempSync(join(tmpdir(), 'lesion-lab-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...LAUNCH_OPTIONS,
    args: [...LAUNCH_OPTIONS.args, ...(run.extraArgs ?? [])],
  });
  const consoleErrors: string[] = [];
  const rounds: Round[] = [];
  let lastProgress: string | undefined;
  const onConsole = (message: ConsoleMessage) => {
    const from = message.worker() ? 'worker' : 'page';
    if (message.type() === 'error') {
      consoleErrors.push(`${from}: ${message.text()}`);
      console.error(`  [${run.label} ${from} console error] ${message.text()}`);
    } else if (message.text().startsWith(run.echo)) {
      console.log(`  ${message.text()}`);
      lastProgress = message.text().replace(/^\[[^\]]*\]\s*/, '');
    }
  };
  let timer: NodeJS.Timeout | undefined;
  const outcome = (rest: Partial<PageOutcome<Result, Round>>): PageOutcome<Result, Round> => ({
    rounds,
    timedOut: false,
    seconds: (performance.now() - started) / 1000,
    consoleErrors,
    ...(lastProgress ? { lastProgress } : {}),
    ...rest,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', onConsole);
    page.on('pageerror', (error) => {
      consoleErrors.push(`page: ${error.message}`);
      console.error(`  [${run.label} page error] ${error.message}`);
    });
    await page.exposeFunction('benchRound', (round: Round) => {
      rounds.push(round);
    });
    await page.goto(run.url);
    await page.waitForFunction((entry) => entry in window, run.entry);
    const evaluation = page.evaluate(
      ({ entry, options }) =>
        (window as unknown as Record<string, (o: unknown) => Promise<unknown>>)[entry]?.(options),
      { entry: run.entry, options: run.options as unknown },
    );
    // Closing the browser after a timeout rejects the evaluation nobody waits for any more.
    evaluation.catch(() => undefined);
    const timedOut = Symbol('timed out');
    const result = await Promise.race([
      evaluation,
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), run.timeoutMs);
      }),
    ]);
    if (result === timedOut) {
      const error = `timed out after ${Math.round(run.timeoutMs / 1000)} s`;
      console.error(`  ${run.label} ${error} (${rounds.length} rounds finished)`);
      return outcome({ error, timedOut: true });
    }
    return outcome({ result: result as Result });
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    // The worker's message, without Playwright's prefix and the page's stack.
    const message = (text.split('\n    at ')[0] ?? text).replace(/^page\.evaluate: (Error: )?/, '');
    console.error(`  ${run.label} failed: ${message}`);
    return outcome({ error: message });
  } finally {
    clearTimeout(timer);
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
