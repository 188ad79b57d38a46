/**
 * SegNet training throughput per backend (GitHub issue 4): the app's training loop (batches read
 * from IndexedDB, augmented, one `trainOnBatch` each) against bare `model.fit` on tensors made
 * beforehand, same model, shapes, batch size, epochs and backend, in the same worker
 * (bench/segnet/segnet.worker.ts), taking turns epoch by epoch. Targets: app / fit at least 0.9,
 * and as many tensors after epoch 5 as after epoch 1.
 *
 * The page and worker are served by Vite's dev server (they import the app's modules from src/);
 * the backends run one after the other in a fresh worker each, in one browser with a fresh
 * persistent profile (so IndexedDB is on disk as for a person).
 */
import type { BackendName } from '../src/pipeline/backends.ts';
import { PRESET_TABLE, type PresetName } from '../src/pipeline/presets.ts';
import {
  TARGET_RATIO,
  WARM_UP_EPOCHS,
  rate,
  ratioText,
  figure,
  benchPage,
  runPages,
  type PageOutcome,
  type PageRun,
  throughput,
  type Throughput,
} from './common/driver.ts';
import type { Round, SegNetRunOptions, SegNetRunResult } from './segnet/protocol.ts';

/** The epoch whose tensor count is compared with epoch 1's (the issue's "epoch 5"). */
const LEAK_EPOCH = 5;
export { TARGET_RATIO, type Throughput };

export interface SegNetBenchOptions {
  /** The preset whose SegNet recipe is measured: `quick` by default here, `seed` on a real GPU. */
  preset: PresetName;
  backends: BackendName[];
  /** Training images (a whole number of batches). */
  images: number;
  valImages: number;
  epochs: number;
  storedSize: number;
  /** Give up on a backend after this long. */
  timeoutMs: number;
}

export interface SegNetFigure {
  preset: PresetName;
  backend: BackendName;
  adapter: string;
  inputSize: number;
  batchSize: number;
  images: number;
  epochs: number;
  app: Throughput;
  fit: Throughput;
  /** The app's input pipeline alone (read + augment, no training). */
  pipeline: Throughput;
  /** App images/s over fit images/s. Target: at least 0.9. */
  ratio: number;
  /** `tf.memory().numTensors` after epoch 1 and after epoch 5 (or the last, when fewer). */
  numTensors: { epoch1: number; later: number; laterEpoch: number; equal: boolean };
  /** Per-epoch timings as measured. */
  rounds: Round[];
  /** Errors the page or its worker printed while it ran. */
  consoleErrors: string[];
}

export interface SegNetFailure {
  preset: PresetName;
  backend: BackendName;
  error: string;
  consoleErrors: string[];
}

/** Describes the measured configuration in words, for the table's heading. */
export function describeSegNetBench(options: SegNetBenchOptions): string {
  const training = PRESET_TABLE[options.preset].segnet;
  const encoder = training.model.encoder.map((block) => block.join(',')).join(' | ');
  return (
    `${options.preset} preset's SegNet (${training.model.inputSize} px, blocks ${encoder}, ` +
    `${training.optimizer} lr ${training.learningRate}, batch ${training.batchSize}, ` +
    `augment ${JSON.stringify(training.augment)}), ${options.images} training images stored at ` +
    `${options.storedSize} px, ${options.epochs} epochs`
  );
}

function toFigure(
  options: SegNetBenchOptions,
  backend: BackendName,
  outcome: PageOutcome<SegNetRunResult, Round>,
): SegNetFigure | SegNetFailure {
  const { result, consoleErrors } = outcome;
  const failure = (error: string): SegNetFailure => ({
    preset: options.preset,
    backend,
    error,
    consoleErrors,
  });
  if (!result) return failure(outcome.error ?? 'no result');
  const { rounds } = result;
  const app = throughput(rounds.map((r) => r.app));
  const fit = throughput(rounds.map((r) => r.fit));
  const pipeline = throughput(rounds.map((r) => r.pipeline));
  const first = rounds[0];
  const later = rounds[Math.min(LEAK_EPOCH, rounds.length) - 1];
  if (!first || !later) return failure('No epoch ran');
  return {
    preset: options.preset,
    backend: result.backend,
    adapter: result.adapter,
    inputSize: result.inputSize,
    batchSize: result.batchSize,
    images: options.images,
    epochs: options.epochs,
    app,
    fit,
    pipeline,
    ratio: app.imagesPerSecond / fit.imagesPerSecond,
    numTensors: {
      epoch1: first.numTensors,
      later: later.numTensors,
      laterEpoch: later.epoch,
      equal: first.numTensors === later.numTensors,
    },
    rounds,
    consoleErrors,
  };
}

export async function benchSegNet(
  options: SegNetBenchOptions,
): Promise<(SegNetFigure | SegNetFailure)[]> {
  const { batchSize } = PRESET_TABLE[options.preset].segnet;
  if (options.images < batchSize || options.images % batchSize !== 0)
    throw new Error(
      `SegNet images (${options.images}) must be a whole number of batches of ${batchSize}`,
    );
  if (options.epochs <= WARM_UP_EPOCHS)
    throw new Error(`SegNet epochs must be more than ${WARM_UP_EPOCHS}: the first is not timed`);
  const url = await benchPage('bench/segnet/index.html');
  const runs = options.backends.map((backend): PageRun<SegNetRunOptions> => ({
    entry: 'runSegNetBench',
    options: {
      backend,
      preset: options.preset,
      images: options.images,
      valImages: options.valImages,
      epochs: options.epochs,
      storedSize: options.storedSize,
    },
    echo: '[segnet',
    label: `SegNet training on ${backend}`,
    timeoutMs: options.timeoutMs,
  }));
  const done = await runPages<SegNetRunOptions, SegNetRunResult, Round>(url, runs);
  return done.map(({ run, outcome }) => toFigure(options, run.options.backend, outcome));
}

export function isFailure(figure: SegNetFigure | SegNetFailure): figure is SegNetFailure {
  return 'error' in figure;
}

/** The markdown section for run.ts's table. */
export function segnetMarkdown(
  options: SegNetBenchOptions,
  figures: (SegNetFigure | SegNetFailure)[],
): string[] {
  const config = `${options.preset}, ${PRESET_TABLE[options.preset].segnet.model.inputSize} px`;
  const rows = figures.map((r) => {
    if (isFailure(r))
      return `| ${config} | ${r.backend} | failed: ${r.error.split('\n')[0]} | | | | |`;
    const ratio = ratioText(r.ratio);
    const tensors = `${r.numTensors.epoch1} / ${r.numTensors.later}${r.numTensors.laterEpoch === LEAK_EPOCH ? '' : ` (epoch ${r.numTensors.laterEpoch})`} ${r.numTensors.equal ? '(equal)' : '(differ)'}`;
    return `| ${config} | ${r.backend} (${r.adapter}) | ${rate(r.app)} | ${rate(r.fit)} | ${ratio} | ${tensors} | ${figure(r.pipeline.imagesPerSecond)} |`;
  });
  const errors = figures.flatMap((r) =>
    r.consoleErrors.map((e) => `- ${r.backend}: ${e.split('\n')[0]}`),
  );
  return [
    `### SegNet training: ${describeSegNetBench(options)}`,
    '',
    `Images/s over epochs ${WARM_UP_EPOCHS + 1}–${options.epochs} (epoch 1 is warm-up; per-epoch range in brackets). ` +
      "The app's loop and bare model.fit take turns epoch by epoch in one worker; the app's validation is not timed. " +
      'numTensors: the whole worker (both models) once both have finished the epoch. ' +
      'Input pipeline alone: the same batches read from IndexedDB and augmented, waited for, without training.',
    '',
    '| config | backend | app trainLoop (images/s) | bare model.fit (images/s) | ratio | numTensors after epoch 1 / 5 | input pipeline alone (images/s) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(errors.length > 0 ? ['Console errors while it ran:', '', ...errors, ''] : []),
  ];
}
