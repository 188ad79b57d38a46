/**
 * The training-step benchmark's page (served by Vite's dev server, driven by bench/step.ts):
 * `window.runStepBench(options)` runs the step in the page's worker and resolves with its figures
 * (bench/common/page.ts).
 */
import { pageWorker } from '../common/page.ts';
import type { StepRound, StepRunOptions, StepRunResult } from './protocol.ts';

declare global {
  interface Window {
    runStepBench: (options: StepRunOptions, worker?: string) => Promise<StepRunResult>;
  }
}

window.runStepBench = pageWorker<StepRunOptions, StepRunResult, StepRound>(
  () => new Worker(new URL('./step.worker.ts', import.meta.url), { type: 'module' }),
  (options) => `step ${options.model} ${options.backend}`,
);
