/**
 * The DenseNet training benchmark's page (served by Vite's dev server, driven by
 * bench/densenet.ts): `window.runDenseNetBench(options)` runs the benchmark in the page's worker,
 * logs its progress to the console, passes each finished round to the driver, and resolves with
 * its figures or rejects with the worker's error (bench/common/page.ts).
 */
import { pageWorker } from '../common/page.ts';
import type { DenseNetRound, DenseNetRunOptions, DenseNetRunResult } from './protocol.ts';

declare global {
  interface Window {
    runDenseNetBench: (options: DenseNetRunOptions, worker?: string) => Promise<DenseNetRunResult>;
  }
}

window.runDenseNetBench = pageWorker<DenseNetRunOptions, DenseNetRunResult, DenseNetRound>(
  () => new Worker(new URL('./densenet.worker.ts', import.meta.url), { type: 'module' }),
  (options) => `densenet ${options.backend} ${options.mode}`,
);
