/**
 * Diagnose latency per backend: the app's `diagnose({ photo })` (decode, SegNet, mask, classifier
 * with Grad-CAM; src/diagnose/diagnose.ts) on a synthetic 1024x768 JPEG, the first call (cold:
 * loading the models, compiling the shaders) and the median of the next ones (warm, 10 by default),
 * against bare `predict` of the same two checkpoints on tensors made beforehand (each awaited with
 * `data()`). Target: app warm median / bare warm median at most 1.2, and as many tensors after
 * every warm call as after the first. The quick preset's SegNet and classifier, untrained (latency
 * does not depend on the weights), stored as the best checkpoints of two runs, as training leaves
 * them (bench/diagnose/diagnose.worker.ts).
 *
 * Each backend runs in a fresh worker (so its first call is cold) with a time limit of its own,
 * one after the other in one browser with a fresh persistent profile.
 */
import type { BackendName } from '../src/pipeline/backends.ts';
import type { DiagnoseCall, DiagnoseRunOptions, DiagnoseRunResult } from './diagnose/protocol.ts';
import { benchPage, figure, runPages, type PageOutcome, type PageRun } from './common/driver.ts';

/** The app's warm Diagnose over bare `predict` of its two models should be at most this. */
export const DIAGNOSE_TARGET_RATIO = 1.2;

export interface DiagnoseBenchOptions {
  backends: BackendName[];
  /** Warm calls after the cold one. */
  warmRuns: number;
  photoWidth: number;
  photoHeight: number;
  /** Per backend. */
  timeoutMs: number;
}

export interface Latency {
  coldMs: number;
  /** Over the warm calls. */
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface DiagnoseFigure {
  backend: BackendName;
  adapter: string;
  status: 'done' | 'timed out' | 'failed';
  error?: string;
  app?: Latency;
  bare?: Latency;
  /** App warm median over bare warm median. Target ≤ 1.2. */
  ratio: number;
  /** The app's per-step timings of the warm call nearest the median. */
  medianSteps?: { step: string; ms: number }[];
  /** numTensors after each warm app call; `leakFree` when all equal the first's. */
  numTensors: number[];
  leakFree: boolean;
  segnetInput?: number[];
  classifierInput?: number[];
  photoBytes?: number;
  lastProgress?: string;
  seconds: number;
  consoleErrors: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function latency(calls: DiagnoseCall[]): Latency | undefined {
  const [cold, ...warm] = calls;
  if (!cold || warm.length === 0) return undefined;
  const ms = warm.map((c) => c.ms);
  return { coldMs: cold.ms, medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms) };
}

function toFigure(
  backend: BackendName,
  outcome: PageOutcome<DiagnoseRunResult, never>,
): DiagnoseFigure {
  const result = outcome.result;
  const app = result ? latency(result.app) : undefined;
  const bare = result ? latency(result.bare) : undefined;
  const warm = result?.app.slice(1) ?? [];
  const nearest = app
    ? warm.reduce<DiagnoseCall | undefined>(
        (best, c) =>
          !best || Math.abs(c.ms - app.medianMs) < Math.abs(best.ms - app.medianMs) ? c : best,
        undefined,
      )
    : undefined;
  const numTensors = warm.map((c) => c.numTensors);
  return {
    backend,
    adapter: result?.adapter ?? '',
    status: result ? 'done' : outcome.timedOut ? 'timed out' : 'failed',
    ...(outcome.error ? { error: outcome.error } : {}),
    ...(app ? { app } : {}),
    ...(bare ? { bare } : {}),
    ratio: app && bare ? app.medianMs / bare.medianMs : NaN,
    ...(nearest?.steps ? { medianSteps: nearest.steps } : {}),
    numTensors,
    leakFree: numTensors.length > 0 && numTensors.every((n) => n === numTensors[0]),
    ...(result
      ? {
          segnetInput: result.segnetInput,
          classifierInput: result.classifierInput,
          photoBytes: result.photoBytes,
        }
      : {}),
    ...(!result && outcome.lastProgress ? { lastProgress: outcome.lastProgress } : {}),
    seconds: outcome.seconds,
    consoleErrors: outcome.consoleErrors,
  };
}

export async function benchDiagnose(options: DiagnoseBenchOptions): Promise<DiagnoseFigure[]> {
  const url = await benchPage('bench/diagnose/index.html');
  const runs = options.backends.map((backend): PageRun<DiagnoseRunOptions> => ({
    entry: 'runDiagnoseBench',
    options: {
      backend,
      warmRuns: options.warmRuns,
      photoWidth: options.photoWidth,
      photoHeight: options.photoHeight,
    },
    echo: '[diagnose',
    label: `Diagnose on ${backend}`,
    timeoutMs: options.timeoutMs,
  }));
  const done = await runPages<DiagnoseRunOptions, DiagnoseRunResult, never>(url, runs);
  return done.map(({ run, outcome }) => toFigure(run.options.backend, outcome));
}

/** A backend that could not diagnose is an error; a timeout or a missed target is a figure. */
export function isDiagnoseFailure(figure: DiagnoseFigure): boolean {
  return figure.status === 'failed';
}

export function diagnoseRatioText(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const verdict = ratio <= DIAGNOSE_TARGET_RATIO ? 'met' : 'not met';
  return `${ratio.toFixed(2)} (${verdict}: ≤ ${DIAGNOSE_TARGET_RATIO})`;
}

/** The markdown section for run.ts's table. */
export function diagnoseMarkdown(
  options: DiagnoseBenchOptions,
  figures: DiagnoseFigure[],
): string[] {
  const warm = (l?: Latency) =>
    l ? `${figure(l.medianMs)} (${figure(l.minMs)}–${figure(l.maxMs)})` : '–';
  const rows = figures.map((r) => {
    const backend = r.adapter ? `${r.backend} (${r.adapter})` : r.backend;
    const state =
      r.status === 'done'
        ? ''
        : `**${r.status === 'failed' ? `failed: ${(r.error ?? '').split('\n')[0]}` : r.error}**${r.lastProgress ? ` (last progress: ${r.lastProgress.slice(0, 80)})` : ''}, `;
    const tensors =
      r.numTensors.length === 0
        ? '–'
        : `${r.numTensors[0]}${r.leakFree ? ' (equal)' : ` → ${r.numTensors.join(', ')} (grows)`}`;
    const steps = (r.medianSteps ?? []).map((s) => `${s.step} ${figure(s.ms)}`).join('; ') || '–';
    return `| ${backend} | ${r.app ? figure(r.app.coldMs) : '–'} | ${warm(r.app)} | ${r.bare ? figure(r.bare.coldMs) : '–'} | ${warm(r.bare)} | ${diagnoseRatioText(r.ratio)} | ${tensors} | ${steps} | ${state}${r.seconds.toFixed(0)} s |`;
  });
  const errors = figures.flatMap((r) =>
    r.consoleErrors.map((e) => `- ${r.backend}: ${e.split('\n')[0]}`),
  );
  const shapes = figures.find((r) => r.segnetInput && r.classifierInput);
  return [
    `### Diagnose latency: quick SegNet and classifier (untrained), one ${options.photoWidth}x${options.photoHeight} JPEG, stored size 256`,
    '',
    `Milliseconds. Cold: the first \`diagnose\` call (loading both checkpoints from IndexedDB, compiling the shaders). ` +
      `Warm: median of the next ${options.warmRuns} (range in brackets). Bare: \`predict\` of the same two checkpoints, ` +
      `SegNet then classifier${shapes ? ` on pre-made tensors [${shapes.segnetInput?.join(', ')}] and [${shapes.classifierInput?.join(', ')}]` : ''}, ` +
      `each awaited with \`data()\`, after the app's calls (its shaders are compiled by then). ` +
      `Ratio: app warm median / bare warm median, target ≤ ${DIAGNOSE_TARGET_RATIO}. numTensors: the worker after each warm app call. ` +
      "Steps: `result.timings` of the warm call nearest the median. Each backend runs in a fresh worker (cold is cold for the worker: its modules, backend and shaders), one after the other in one browser. Run time: from calling the page's entry to the end.",
    '',
    '| backend | app cold | app warm | bare cold | bare warm | ratio app / bare | numTensors after warm calls | steps of the median warm call (ms) | run time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(errors.length > 0 ? ['Console errors while it ran:', '', ...errors, ''] : []),
  ];
}
