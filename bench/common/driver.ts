/**
 * The Node side every page benchmark shares (bench/segnet.ts, bench/densenet.ts, …): one Vite dev
 * server for all the benchmark pages of a run (they import the app's modules from src/, so one
 * server transforms them once), runs of a page in a fresh persistent Chromium profile (so
 * IndexedDB is on disk as for a person), each with a time limit, and throughput over the timed
 * epochs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from '@playwright/test';
import type { ViteDevServer } from 'vite';
import { startDevServer } from '../../scripts/devServer.ts';
import { LAUNCH_OPTIONS } from '../browser.ts';
import type { EpochTiming } from './protocol.ts';
import { errorText } from '../../src/lib/errorText.ts';

/** BENCH_PORT moves it, for a second benchmark while one runs. */
const PORT = Number(process.env.BENCH_PORT ?? 4176);
/** Every benchmark page, so that one dependency scan (and cache) serves them all. */
const PAGES = [
  'index.html',
  'bench/scale/index.html',
  'bench/segnet/index.html',
  'bench/densenet/index.html',
  'bench/diagnose/index.html',
  'bench/step/index.html',
  'bench/choice/index.html',
  'bench/kernels/index.html',
  'bench/engine/index.html',
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

let server: Promise<ViteDevServer> | undefined;

/**
 * The address of a benchmark page (e.g. `bench/segnet/index.html`) on the dev server, which the
 * first call starts and every benchmark of the run then shares: the modules it has transformed
 * for one benchmark's pages serve the next's.
 */
export async function benchPage(path: string): Promise<string> {
  await openBenchServer();
  return `http://localhost:${PORT}/${path}`;
}

/** Starts the dev server, unless it runs already (run.ts starts it before timing a benchmark). */
export async function openBenchServer(): Promise<void> {
  server ??= startDevServer({
    port: PORT,
    pages: PAGES,
    cacheDir: join(import.meta.dirname, '..', '.data', 'vite'),
  });
  await server;
}

/** Stops the dev server, if a benchmark started it. */
export async function closeBenchServer(): Promise<void> {
  const started = server;
  server = undefined;
  await (await started)?.close();
}

export interface PageRun<Options> {
  /** The page's `window` function that runs the benchmark (e.g. runSegNetBench). */
  entry: string;
  options: Options;
  /** Console lines of the page that start with this are echoed (the worker's progress). */
  echo: string;
  /** Names the run: printed as it starts, and in its error lines. */
  label: string;
  timeoutMs: number;
  /**
   * The page's worker the run goes to: a run that names the worker of the run before it shares
   * that worker (its backend, compiled shaders and memory); another name, or none, ends the old
   * worker and starts a fresh one (bench/common/page.ts).
   */
  worker?: string;
}

export interface PageOutcome<Result, Round> {
  /** The worker's result; absent when it failed or ran out of time. */
  result?: Result;
  /** The rounds the worker reported before it finished, failed or ran out of time. */
  rounds: Round[];
  error?: string;
  timedOut: boolean;
  /**
   * Wall-clock seconds from calling the page's entry to the end: a browser opened for the run
   * (the first of a benchmark, or the next after a failure) is not counted.
   */
  seconds: number;
  /** The worker's last progress line (how far a run that failed or timed out got). */
  lastProgress?: string;
  /** Errors the page or its worker printed while it ran. */
  consoleErrors: string[];
}

/** What a benchmark page puts on its `window` (bench/common/page.ts's `pageWorker`). */
type PageEntry = (options: unknown, worker?: string) => Promise<unknown>;

/** What a run has collected from its page: console errors, rounds, the last progress line. */
interface Collected<Round> {
  run: PageRun<unknown>;
  rounds: Round[];
  consoleErrors: string[];
  lastProgress?: string;
}

/** A page open in a fresh persistent profile, and the run whose events it collects. */
interface OpenPage {
  context: BrowserContext;
  page: Page;
  profile: string;
  current: Collected<unknown>;
}

/** Launches Chromium on a fresh profile and loads the page, its events going to `current`. */
async function openPage(url: string, current: Collected<unknown>): Promise<OpenPage> {
  const profile = mkdtempSync(join(tmpdir(), 'lesion-lab-bench-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, LAUNCH_OPTIONS);
    const page = context.pages()[0] ?? (await context.newPage());
    const open: OpenPage = { context, page, profile, current };
    page.on('console', (message: ConsoleMessage) => {
      const { run, consoleErrors } = open.current;
      const from = message.worker() ? 'worker' : 'page';
      if (message.type() === 'error') {
        consoleErrors.push(`${from}: ${message.text()}`);
        console.error(`  [${run.label} ${from} console error] ${message.text()}`);
      } else if (message.text().startsWith(run.echo)) {
        console.log(`  ${message.text()}`);
        open.current.lastProgress = message.text().replace(/^\[[^\]]*\]\s*/, '');
      }
    });
    page.on('pageerror', (error) => {
      open.current.consoleErrors.push(`page: ${error.message}`);
      console.error(`  [${open.current.run.label} page error] ${error.message}`);
    });
    await page.exposeFunction('benchRound', (round: unknown) => {
      open.current.rounds.push(round);
    });
    await page.goto(url);
    return open;
  } catch (error) {
    await closePage(context, profile);
    throw error;
  }
}

/** Closes the browser and deletes its profile; a browser that fails to close is only reported. */
async function closePage(context: BrowserContext | undefined, profile: string): Promise<void> {
  try {
    await context?.close();
  } catch (error) {
    console.error(`  closing the browser failed: ${String(error)}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Calls the page's entry with the run's options and waits for the result, at most `timeoutMs`. */
async function runIn<Options, Result, Round>(
  open: OpenPage,
  run: PageRun<Options>,
  current: Collected<Round>,
): Promise<PageOutcome<Result, Round>> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = (rest: Partial<PageOutcome<Result, Round>>) =>
    finished<Result, Round>(current, started, rest);
  try {
    await open.page.waitForFunction((entry) => entry in window, run.entry);
    const evaluation = open.page.evaluate(
      ({ entry, options, worker }) =>
        (window as unknown as Record<string, PageEntry>)[entry]?.(options, worker),
      { entry: run.entry, options: run.options as unknown, worker: run.worker },
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
      console.error(`  ${run.label} ${error} (${current.rounds.length} rounds finished)`);
      return outcome({ error, timedOut: true });
    }
    return outcome({ result: result as Result });
  } catch (error) {
    const text = errorText(error);
    // The worker's message, without Playwright's prefix and the page's stack.
    const message = (text.split('\n    at ')[0] ?? text).replace(/^page\.evaluate: (Error: )?/, '');
    console.error(`  ${run.label} failed: ${message}`);
    return outcome({ error: message });
  } finally {
    clearTimeout(timer);
  }
}

function finished<Result, Round>(
  current: Collected<Round>,
  started: number,
  rest: Partial<PageOutcome<Result, Round>>,
): PageOutcome<Result, Round> {
  return {
    rounds: current.rounds,
    timedOut: false,
    seconds: (performance.now() - started) / 1000,
    consoleErrors: current.consoleErrors,
    ...(current.lastProgress ? { lastProgress: current.lastProgress } : {}),
    ...rest,
  };
}

/**
 * Runs of the page at `url` (a `benchPage`), one after the other in the same browser and page
 * (each in a fresh worker unless it names the worker of the run before it), each with its own
 * time limit, each run's label printed as it starts. A run that fails or overstays closes the
 * browser, and the next run opens a fresh one.
 */
export async function runPages<Options, Result, Round>(
  url: string,
  runs: PageRun<Options>[],
): Promise<{ run: PageRun<Options>; outcome: PageOutcome<Result, Round> }[]> {
  const done: { run: PageRun<Options>; outcome: PageOutcome<Result, Round> }[] = [];
  let open: OpenPage | undefined;
  try {
    for (const run of runs) {
      console.log(`  ${run.label}…`);
      const current: Collected<Round> = { run, rounds: [], consoleErrors: [] };
      let outcome: PageOutcome<Result, Round>;
      try {
        if (open) open.current = current;
        else open = await openPage(url, current);
        outcome = await runIn<Options, Result, Round>(open, run, current);
      } catch (error) {
        // The browser did not start or the page did not load.
        const message = errorText(error);
        console.error(`  ${run.label} failed: ${message}`);
        outcome = finished(current, performance.now(), { error: message });
      }
      done.push({ run, outcome });
      if (!outcome.result && open) {
        await closePage(open.context, open.profile);
        open = undefined;
      }
    }
  } finally {
    if (open) await closePage(open.context, open.profile);
  }
  return done;
}

/** One run of a page in a fresh browser, which is closed (and its profile deleted) afterwards. */
export async function runPage<Options, Result, Round>(
  url: string,
  run: PageRun<Options>,
): Promise<PageOutcome<Result, Round>> {
  const [done] = await runPages<Options, Result, Round>(url, [run]);
  if (!done) throw new Error('runPages returned no outcome');
  return done.outcome;
}
