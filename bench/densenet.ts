/**
 * DenseNet-121 training throughput per backend (the classifier's counterpart of bench/segnet.ts):
 * in both of the classifier's modes, the app's pieces against bare tfjs on tensors made beforehand,
 * same model, shapes, batch size and backend, in one worker (bench/densenet/densenet.worker.ts),
 * taking turns round by round:
 * - fine-tune: `trainLoop` over the masked records (`maskedSource`, `classifierAugmentation`,
 *   `compileClassifier`) against `model.fit`;
 * - frozen: the feature pass (`computeFeatures`) against `backbone.predict`, and the head's
 *   `trainLoop` over the stored features (`featureSource`) against the head's `model.fit`.
 * Target: app / bare at least 0.9 for the training; numTensors the same after every round.
 *
 * Each backend and mode runs in a worker of its own (with `shareWorker`, a backend's modes share
 * one), one after the other in one browser with a fresh persistent profile, each with a time
 * limit: a DenseNet-121 step takes tens of seconds on a software GPU, so a run that overstays is
 * recorded as timed out, with the rounds it finished, instead of holding up the others (the next
 * run gets a fresh browser).
 */
import type { BackendName } from '../src/pipeline/backends.ts';
import { describeDenseNet } from '../src/models/densenetConfig.ts';
import {
  benchTraining,
  type DenseNetBenchConfig,
  type DenseNetBenchMode,
  type DenseNetRound,
  type DenseNetRunOptions,
  type DenseNetRunResult,
  type Timed,
} from './densenet/protocol.ts';
import {
  WARM_UP_EPOCHS,
  benchPage,
  rate,
  ratioText,
  runPages,
  throughput,
  type PageOutcome,
  type PageRun,
  type Throughput,
} from './common/driver.ts';

export interface DenseNetBenchOptions {
  config: DenseNetBenchConfig;
  /** The model's input edge: 224 for DenseNet-121 (the ImageNet size), 32 for the quick one. */
  inputSize: number;
  batchSize: number;
  backends: BackendName[];
  modes: DenseNetBenchMode[];
  /** Training samples per timed round (a whole number of batches). */
  images: number;
  valImages: number;
  /** Rounds, the first a warm-up. */
  epochs: number;
  storedSize: number;
  /** Give up on one backend's mode after this long, keeping the rounds it finished. */
  timeoutMs: number;
  /**
   * A backend's modes run one after the other in one worker (`--quick`: it saves a worker start
   * per mode and, on a GPU, the shaders the modes share); otherwise each mode gets a fresh worker,
   * so that its memory figures and shader compilation are its own.
   */
  shareWorker: boolean;
}

export type DenseNetStatus = 'done' | 'timed out' | 'failed';

export interface DenseNetFigure {
  config: DenseNetBenchConfig;
  mode: DenseNetBenchMode;
  backend: BackendName;
  adapter: string;
  status: DenseNetStatus;
  /** Why it failed or when it timed out. */
  error?: string;
  inputSize: number;
  batchSize: number;
  images: number;
  epochs: number;
  /** Timed rounds (after the warm-up) that finished. */
  timedRounds: number;
  /** Images/s of each contender over the timed rounds that finished. */
  throughput: Partial<Record<Timed, Throughput>>;
  /** The training: the app's loop images/s over bare `model.fit` images/s. Target ≥ 0.9. */
  ratio: number;
  /** Frozen: `computeFeatures` images/s over bare `backbone.predict` images/s. */
  featuresRatio?: number;
  /** `tf.memory().numTensors` after each round. */
  numTensors: number[];
  /** Frozen: the backbone's output per sample, and the feature pass's batch. */
  featureShape?: number[];
  featureBatch?: number;
  /** The worker's last progress line: how far a run that failed or timed out got. */
  lastProgress?: string;
  /** Seconds from opening the page to the end, and of storing the records. */
  seconds: number;
  setupSeconds?: number;
  rounds: DenseNetRound[];
  consoleErrors: string[];
}

/** The measured configuration in words, for the table's heading. */
export function describeDenseNetBench(options: DenseNetBenchOptions): string {
  const training = benchTraining(options.config, options.inputSize, options.batchSize);
  return (
    `${describeDenseNet(training.model)} (${training.model.head} head), adam lr ${training.learningRate}, ` +
    `batch ${options.batchSize}, augment ${JSON.stringify(training.augment)}; ${options.images} training ` +
    `samples (every second an oversampled copy) of masked records stored at ${options.storedSize} px, ` +
    `${options.valImages} validation images, ${options.epochs} rounds`
  );
}

function toFigure(
  options: DenseNetBenchOptions,
  backend: BackendName,
  mode: DenseNetBenchMode,
  outcome: PageOutcome<DenseNetRunResult, DenseNetRound>,
): DenseNetFigure {
  const result = outcome.result;
  const rounds = result?.rounds ?? outcome.rounds;
  const timings = (name: Timed) => rounds.flatMap((r) => r.timings[name] ?? []);
  const measured: Partial<Record<Timed, Throughput>> = {};
  for (const name of ['app', 'fit', 'pipeline', 'features', 'predict'] as const) {
    if (timings(name).length > WARM_UP_EPOCHS) measured[name] = throughput(timings(name));
  }
  const over = (a?: Throughput, b?: Throughput) =>
    a && b ? a.imagesPerSecond / b.imagesPerSecond : NaN;
  const status: DenseNetStatus = result ? 'done' : outcome.timedOut ? 'timed out' : 'failed';
  return {
    config: options.config,
    mode,
    backend,
    adapter: result?.adapter ?? '',
    status,
    ...(outcome.error ? { error: outcome.error } : {}),
    inputSize: options.inputSize,
    batchSize: options.batchSize,
    images: options.images,
    epochs: options.epochs,
    timedRounds: Math.max(0, rounds.length - WARM_UP_EPOCHS),
    throughput: measured,
    ratio: over(measured.app, measured.fit),
    ...(mode === 'frozen' ? { featuresRatio: over(measured.features, measured.predict) } : {}),
    numTensors: rounds.map((r) => r.numTensors),
    ...(result?.featureShape ? { featureShape: result.featureShape } : {}),
    ...(result?.featureBatch ? { featureBatch: result.featureBatch } : {}),
    ...(!result && outcome.lastProgress ? { lastProgress: outcome.lastProgress } : {}),
    seconds: outcome.seconds,
    ...(result ? { setupSeconds: result.setupSeconds } : {}),
    rounds,
    consoleErrors: outcome.consoleErrors,
  };
}

export async function benchDenseNet(options: DenseNetBenchOptions): Promise<DenseNetFigure[]> {
  const { images, batchSize, epochs } = options;
  if (images < batchSize || images % batchSize !== 0)
    throw new Error(
      `DenseNet images (${images}) must be a whole number of batches of ${batchSize}`,
    );
  if (epochs <= WARM_UP_EPOCHS)
    throw new Error(`DenseNet epochs must be more than ${WARM_UP_EPOCHS}: the first is not timed`);
  const url = await benchPage('bench/densenet/index.html');
  const runs = options.backends.flatMap((backend) =>
    options.modes.map((mode): PageRun<DenseNetRunOptions> => ({
      entry: 'runDenseNetBench',
      options: {
        backend,
        mode,
        config: options.config,
        inputSize: options.inputSize,
        batchSize,
        images,
        valImages: options.valImages,
        epochs,
        storedSize: options.storedSize,
      },
      echo: '[densenet',
      label: `DenseNet ${mode} on ${backend}`,
      timeoutMs: options.timeoutMs,
      ...(options.shareWorker ? { worker: backend } : {}),
    })),
  );
  const done = await runPages<DenseNetRunOptions, DenseNetRunResult, DenseNetRound>(url, runs);
  return done.map(({ run, outcome }) =>
    toFigure(options, run.options.backend, run.options.mode, outcome),
  );
}

/** A backend that could not train is an error; a timeout or a missed target is a figure. */
export function isDenseNetFailure(figure: DenseNetFigure): boolean {
  return figure.status === 'failed';
}

function tensorsText(counts: number[]): string {
  if (counts.length === 0) return '–';
  const later = counts.slice(WARM_UP_EPOCHS);
  const verdict =
    counts.length < 2
      ? ''
      : counts.every((c) => c === counts[0])
        ? ' (equal)'
        : later.every((c, i) => i === 0 || c === later[i - 1])
          ? ' (steady after round 1)'
          : ' (grows)';
  return `${counts.join(', ')}${verdict}`;
}

/** The markdown section for run.ts's table. */
export function densenetMarkdown(
  options: DenseNetBenchOptions,
  figures: DenseNetFigure[],
): string[] {
  const config = `${options.config === '121' ? 'DenseNet-121' : options.config}, ${options.inputSize} px`;
  const speed = (t?: Throughput) => (t ? rate(t) : '–');
  const rows = figures.flatMap((r) => {
    const backend = r.adapter ? `${r.backend} (${r.adapter})` : r.backend;
    const last = r.lastProgress ? `; last progress: ${r.lastProgress.slice(0, 80)}` : '';
    const state =
      r.status === 'done'
        ? ''
        : r.status === 'timed out'
          ? `**${r.error}** (${r.rounds.length} of ${r.epochs} rounds${last}), `
          : `**failed**: ${(r.error ?? '').split('\n')[0]} (${r.rounds.length} of ${r.epochs} rounds${last}), `;
    const time = `${state}${r.seconds.toFixed(0)} s`;
    const held = r.rounds.flatMap((round) => (round.gpuMiB ? [round.gpuMiB.held] : []));
    const tensors =
      tensorsText(r.numTensors) + (held.length > 0 ? `; GPU held ${held.join(', ')} MiB` : '');
    const t = r.throughput;
    if (r.mode === 'fine-tune') {
      return [
        `| ${config} | ${backend} | fine-tune: trainLoop (maskedSource, classifierAugmentation) vs model.fit | ${speed(t.app)} | ${speed(t.fit)} | ${ratioText(r.ratio)} | ${tensors} | ${time} |`,
        `| | | fine-tune: input pipeline alone (read + augment) | ${speed(t.pipeline)} | | | | |`,
      ];
    }
    return [
      `| ${config} | ${backend} | frozen: computeFeatures vs backbone.predict${r.featureBatch ? ` (batch ${r.featureBatch})` : ''} | ${speed(t.features)} | ${speed(t.predict)} | ${r.featuresRatio === undefined ? '–' : ratioText(r.featuresRatio)} | ${tensors} | ${time} |`,
      `| | | frozen: head trainLoop (featureSource${r.featureShape ? `, [${r.featureShape.join(', ')}]` : ''}) vs model.fit | ${speed(t.app)} | ${speed(t.fit)} | ${ratioText(r.ratio)} | | |`,
    ];
  });
  const errors = figures.flatMap((r) =>
    r.consoleErrors.map((e) => `- ${r.backend} ${r.mode}: ${e.split('\n')[0]}`),
  );
  return [
    `### DenseNet training: ${describeDenseNetBench(options)}`,
    '',
    `Images/s over rounds ${WARM_UP_EPOCHS + 1}–${options.epochs} (round 1 is warm-up: one batch of ` +
      'training, a whole feature pass; per-round range in brackets). A round is an epoch, five for the frozen head. In each round the app and bare tfjs ' +
      "take turns in one worker, the first alternating; the app's validation is not timed. " +
      (options.shareWorker
        ? `A backend's modes run one after the other in one worker (${options.modes.join(', then ')}; a mode after one that failed or ran out of time gets a fresh browser and worker), so a later mode's GPU memory includes what the earlier left to the backend for reuse. `
        : 'Each mode runs in a fresh worker. ') +
      'The backends run one after the other in one browser. ' +
      'numTensors: the whole worker (both models) after ' +
      "each round; GPU held: the memory the GPU backend keeps (live tensors and released buffers it keeps for reuse). Run time: from calling the page's entry to the end (the browser's start not counted), storing the records and warm-up included.",
    '',
    '| config | backend | measured | app (images/s) | bare tfjs (images/s) | ratio app / bare | numTensors after each round | run time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...(errors.length > 0 ? ['Console errors while it ran:', '', ...errors, ''] : []),
  ];
}
