/**
 * One training step per backend (issue 9): the seed SegNet at 200 px and DenseNet-121 at 224 px,
 * batch 4, Adam, in the app's worker setup (bench/step/step.worker.ts), one warm-up step and then
 * the timed ones; beside the same step in PyTorch on this CPU with the same number of threads as
 * the WebAssembly backend uses (bench/pytorch/step.py), where /usr/bin/python3 has torch (Debian's
 * python3-torch). WebAssembly and PyTorch run at each thread count of --step-threads (1 and every
 * core by default). Targets: WebAssembly at least 0.5x PyTorch's images/s at the same thread count,
 * and at 2 threads at least 1.7x its own 1-thread speed.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { MAX_WASM_THREADS, type BackendName } from '../src/pipeline/backends.ts';
import { stats } from './browser.ts';
import { benchPage, runPage } from './common/driver.ts';
import type {
  KernelTime,
  StepModel,
  StepRound,
  StepRunOptions,
  StepRunResult,
} from './step/protocol.ts';
import { PYTHON, pytorchFailure } from './pytorch/python.ts';
import { errorText } from '../src/lib/errorText.ts';

export const PYTORCH_TARGET = 0.5;
/** WebAssembly at 2 threads against 1. */
export const THREADS_TARGET = 1.7;

export interface StepBenchOptions {
  models: StepModel[];
  backends: BackendName[];
  batchSize: number;
  steps: number;
  /** Per backend and model. */
  timeoutMs: number;
  /** One more step under `tf.profile` per backend and model, its kernels listed. */
  profile: boolean;
  /** Thread counts for WebAssembly and PyTorch, each run apart. */
  threads: number[];
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface StepFigure {
  model: StepModel;
  inputSize: number;
  batchSize: number;
  /** A tfjs backend, or 'pytorch'. */
  contender: BackendName | 'pytorch';
  /** Threads it ran on (WebAssembly and PyTorch; the others run as the browser runs them). */
  threads?: number;
  detail: string;
  /** Seconds per timed step. */
  seconds?: Spread;
  imagesPerSecond?: number;
  warmUpSeconds?: number;
  /** The steps that finished before a timeout. */
  steps: number;
  numTensors?: { first: number; last: number };
  /** With --step-profile: the profiled step's kernels, the slowest first. */
  kernels?: KernelTime[];
  error?: string;
}

const INPUT_SIZE: Record<StepModel, number> = { segnet: 200, densenet121: 224 };

function spread(values: number[]): Spread {
  const { median, min, max } = stats(values);
  return { median, min, max };
}

/** Every core, up to the WebAssembly backend's most (src/worker/wasmThreads.ts). */
export const allCores = () => Math.max(1, Math.min(MAX_WASM_THREADS, cpus().length));

/**
 * PyTorch is the baseline, not a contender that may run out of time: --step-timeout (cut short for
 * the software GPUs) does not bound it below this. DenseNet-121 takes about a minute here.
 */
const PYTORCH_MIN_TIMEOUT_MS = 600_000;

function pytorch(model: StepModel, threads: number, options: StepBenchOptions): StepFigure {
  const inputSize = INPUT_SIZE[model];
  const base = {
    model,
    inputSize,
    batchSize: options.batchSize,
    contender: 'pytorch' as const,
    threads,
  };
  try {
    const output = execFileSync(
      PYTHON,
      [
        join(import.meta.dirname, 'pytorch', 'step.py'),
        ...['--model', model, '--size', String(inputSize), '--batch', String(options.batchSize)],
        ...['--steps', String(options.steps), '--threads', String(threads)],
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        // The BLAS libraries start threads of their own unless told.
        env: {
          ...process.env,
          OMP_NUM_THREADS: String(threads),
          OPENBLAS_NUM_THREADS: String(threads),
          MKL_NUM_THREADS: String(threads),
        },
        timeout: Math.max(options.timeoutMs, PYTORCH_MIN_TIMEOUT_MS),
      },
    );
    const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as {
      stepSeconds: number[];
      warmUpSeconds: number;
      threads: number;
      torch: string;
      blas: string;
    };
    const seconds = spread(result.stepSeconds);
    return {
      ...base,
      detail: `PyTorch ${result.torch}, ${result.threads} thread${result.threads > 1 ? 's' : ''}, BLAS ${result.blas}`,
      seconds,
      imagesPerSecond: options.batchSize / seconds.median,
      warmUpSeconds: result.warmUpSeconds,
      steps: result.stepSeconds.length,
    };
  } catch (error) {
    return { ...base, detail: 'PyTorch', steps: 0, error: pytorchFailure(errorText(error)) };
  }
}

async function browser(
  model: StepModel,
  backend: BackendName,
  threads: number,
  options: StepBenchOptions,
): Promise<StepFigure> {
  const inputSize = INPUT_SIZE[model];
  const runOptions: StepRunOptions = {
    backend,
    model,
    inputSize,
    batchSize: options.batchSize,
    steps: options.steps,
    profile: options.profile,
    threads,
  };
  const url = await benchPage('bench/step/index.html');
  const outcome = await runPage<StepRunOptions, StepRunResult, StepRound>(url, {
    entry: 'runStepBench',
    options: runOptions,
    echo: '[step',
    label: `Training step, ${model} on ${backend}${backend === 'wasm' ? `, ${threads} thread${threads > 1 ? 's' : ''}` : ''}`,
    timeoutMs: options.timeoutMs,
  });
  const base = {
    model,
    inputSize,
    batchSize: options.batchSize,
    contender: backend,
    ...(backend === 'wasm' ? { threads } : {}),
  };
  const result = outcome.result;
  const stepSeconds = result?.stepSeconds ?? outcome.rounds.map((r) => r.seconds);
  const seconds = stepSeconds.length > 0 ? spread(stepSeconds) : undefined;
  return {
    ...base,
    detail: result?.adapter ?? outcome.lastProgress ?? '',
    ...(seconds ? { seconds, imagesPerSecond: options.batchSize / seconds.median } : {}),
    ...(result ? { warmUpSeconds: result.warmUpSeconds, numTensors: result.numTensors } : {}),
    ...(result?.kernels ? { kernels: result.kernels } : {}),
    steps: stepSeconds.length,
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

export async function benchStep(options: StepBenchOptions): Promise<StepFigure[]> {
  const figures: StepFigure[] = [];
  const [fewest = 1] = [...options.threads].sort((a, b) => a - b);
  for (const model of options.models) {
    for (const threads of options.threads) {
      console.log(`  Training step, ${model} in PyTorch, ${threads} thread(s)…`);
      figures.push(pytorch(model, threads, options));
    }
    for (const backend of options.backends) {
      // The GPU backends do not depend on the thread count: measured once.
      for (const threads of backend === 'wasm' ? options.threads : [fewest]) {
        figures.push(await browser(model, backend, threads, options));
      }
    }
  }
  return figures;
}

export function stepMarkdown(options: StepBenchOptions, figures: StepFigure[]): string[] {
  const rows: string[] = [];
  for (const model of options.models) {
    const torchAt = (threads = 1) =>
      figures.find((f) => f.model === model && f.contender === 'pytorch' && f.threads === threads);
    const wasmAt = (threads: number) =>
      figures.find((f) => f.model === model && f.contender === 'wasm' && f.threads === threads);
    for (const f of figures.filter((f) => f.model === model)) {
      const torch = torchAt(f.threads ?? 1);
      const s = f.seconds;
      const time = s ? `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : '—';
      const rate =
        f.imagesPerSecond === undefined
          ? '—'
          : f.imagesPerSecond.toFixed(f.imagesPerSecond < 0.1 ? 3 : 2);
      let ratio = '—';
      if (f.contender !== 'pytorch' && f.imagesPerSecond !== undefined && torch?.imagesPerSecond) {
        const r = f.imagesPerSecond / torch.imagesPerSecond;
        ratio = `${r.toFixed(r < 0.01 ? 4 : 2)}${f.contender === 'wasm' ? (r >= PYTORCH_TARGET ? ` (meets ≥ ${PYTORCH_TARGET})` : ` (misses ≥ ${PYTORCH_TARGET})`) : ''}`;
      }
      let scaling = '—';
      const one =
        f.contender === 'wasm' ? wasmAt(1) : f.contender === 'pytorch' ? torchAt(1) : undefined;
      if (f.threads && f.threads > 1 && one?.imagesPerSecond && f.imagesPerSecond) {
        const r = f.imagesPerSecond / one.imagesPerSecond;
        scaling = `${r.toFixed(2)}${f.contender === 'wasm' && f.threads === 2 ? (r >= THREADS_TARGET ? ` (meets ≥ ${THREADS_TARGET})` : ` (misses ≥ ${THREADS_TARGET})`) : ''}`;
      }
      const note = f.error
        ? `${f.error}${f.steps ? ` after ${f.steps} steps` : ''}`
        : `${f.steps} timed steps${f.numTensors ? `, tensors ${f.numTensors.first} → ${f.numTensors.last}` : ''}`;
      rows.push(
        `| ${model} ${f.inputSize} px | ${f.contender} | ${f.threads ?? '—'} | ${f.detail} | ${time} | ${rate} | ${ratio} | ${scaling} | ${note} |`,
      );
    }
  }
  return [
    `### One training step, batch ${options.batchSize}, Adam (seconds per step: median and range; images/s; ratio to PyTorch on this CPU at the same thread count; ratio to its own 1-thread speed)`,
    '',
    '| model | contender | threads | backend detail | s / step | images/s | × PyTorch | × 1 thread | note |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...figures.flatMap(kernelsMarkdown),
  ];
}

/** The slowest kernels of a profiled step (--step-profile), with their share of the step. */
function kernelsMarkdown(f: StepFigure): string[] {
  if (!f.kernels?.length) return [];
  const total = f.kernels.reduce((sum, k) => sum + k.ms, 0);
  return [
    `#### Kernels of one profiled step: ${f.model} ${f.inputSize} px on ${f.contender} (${total.toFixed(1)} ms in kernels)`,
    '',
    '| kernel | calls | ms | share |',
    '| --- | --- | --- | --- |',
    ...f.kernels
      .slice(0, 15)
      .map(
        (k) =>
          `| ${k.kernel} | ${k.calls} | ${k.ms.toFixed(1)} | ${total > 0 ? ((100 * k.ms) / total).toFixed(1) : '–'}% |`,
      ),
    '',
  ];
}

export const isStepFailure = (f: StepFigure) => f.contender === 'wasm' && f.error !== undefined;
