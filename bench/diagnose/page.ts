/**
 * The Diagnose latency benchmark's page (served by Vite's dev server, driven by
 * bench/diagnose.ts): `window.runDiagnoseBench(options)` runs the benchmark in the page's worker,
 * logs its progress to the console, and resolves with its figures or rejects with the worker's
 * error (bench/common/page.ts).
 */
import { pageWorker } from '../common/page.ts';
import type { DiagnoseRunOptions, DiagnoseRunResult } from './protocol.ts';

declare global {
  interface Window {
    runDiagnoseBench: (options: DiagnoseRunOptions, worker?: string) => Promise<DiagnoseRunResult>;
  }
}

window.runDiagnoseBench = pageWorker<DiagnoseRunOptions, DiagnoseRunResult, never>(
  () => new Worker(new URL('./diagnose.worker.ts', import.meta.url), { type: 'module' }),
  (options) => `diagnose ${options.backend}`,
);
