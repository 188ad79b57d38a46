/**
 * The Diagnose latency benchmark's page (served by Vite's dev server, driven by
 * bench/diagnose.ts): `window.runDiagnoseBench(options)` starts the benchmark's worker, logs its
 * progress to the console, and resolves with its figures or rejects with the worker's error
 * (bench/shared/page.ts).
 */
import { driveWorker } from '../shared/page.ts';
import type { DiagnoseRunOptions, DiagnoseRunResult } from './protocol.ts';

declare global {
  interface Window {
    runDiagnoseBench: (options: DiagnoseRunOptions) => Promise<DiagnoseRunResult>;
  }
}

window.runDiagnoseBench = (options) =>
  driveWorker<DiagnoseRunOptions, DiagnoseRunResult, never>(
    new Worker(new URL('./diagnose.worker.ts', import.meta.url), { type: 'module' }),
    options,
    `diagnose ${options.backend}`,
  );
