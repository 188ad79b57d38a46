/**
 * The SegNet training benchmark's page (served by Vite's dev server, driven by bench/segnet.ts):
 * `window.runSegNetBench(options)` runs the benchmark in the page's worker, logs its progress to
 * the console and resolves with its figures, or rejects with the worker's error
 * (bench/common/page.ts).
 */
import { pageWorker } from '../common/page.ts';
import type { Round, SegNetRunOptions, SegNetRunResult } from './protocol.ts';

declare global {
  interface Window {
    runSegNetBench: (options: SegNetRunOptions, worker?: string) => Promise<SegNetRunResult>;
  }
}

window.runSegNetBench = pageWorker<SegNetRunOptions, SegNetRunResult, Round>(
  () => new Worker(new URL('./segnet.worker.ts', import.meta.url), { type: 'module' }),
  (options) => `segnet ${options.backend}`,
);
