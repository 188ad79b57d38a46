/**
 * One training session of a run, whatever the model (SegNet or classifier): the run record made or
 * reopened, the loop over epochs with batch progress throttled to the page, a GPU fault checked
 * after every batch, and after every epoch the history, a checkpoint (latest, and best by the
 * monitored figure) with the optimizer state, and the model's own extras (previews). Any fault
 * marks the run failed with a message a person can act on; its last checkpoint is kept.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../pipeline/backends.ts';
import type { PresetName } from '../pipeline/presets.ts';
import { takeGpuFault } from '../lib/gpuFaults.ts';
import type { StopSignal } from '../lib/jobs.ts';
import { isQuotaError, storageFullError } from '../dataset/storage.ts';
import { saveCheckpoint } from '../runs/checkpoint.ts';
import { explainFault, gpuFaultError } from './faults.ts';
import { VAL_LOSS, trainLoop, type BatchProgress, type LoopOptions } from './loop.ts';
import {
  loadRun,
  saveRun,
  type EpochFigures,
  type ModelKind,
  type RunRecord,
} from '../runs/runs.ts';
import type { DatasetSnapshot } from '../loader/trainingData.ts';

/** What a training job streams to the page. */
export type TrainingProgress<Config = unknown> =
  | { kind: 'run'; run: RunRecord<Config> }
  | { kind: 'batch'; runId: string; progress: BatchProgress }
  /** Work before the first epoch, e.g. a frozen backbone's features. */
  | { kind: 'prepare'; runId: string; what: string; done: number; total: number }
  | { kind: 'epoch'; runId: string; figures: EpochFigures; best: boolean };

/** What a run that filled the disk kept, and how to go on. */
const KEPT_ON_FULL_DISK =
  'The last finished epoch is kept: free space (delete runs you no longer need, or free disk space), then resume the run.';

/** Batch progress is sent at most this often (the last batch of an epoch always). */
const PROGRESS_INTERVAL_MS = 200;

export function newRunRecord<Config>(
  kind: ModelKind,
  preset: PresetName,
  config: Config,
  backend: BackendName,
  dataset: DatasetSnapshot,
): RunRecord<Config> {
  const now = new Date();
  return {
    id: `${kind}-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${crypto.randomUUID().slice(0, 4)}`,
    kind,
    preset,
    config,
    seed: Math.floor(Math.random() * 2 ** 31),
    backend,
    datasetId: dataset.manifest.datasetId,
    datasetRevision: dataset.manifest.revision,
    images: { train: 0, val: 0 },
    status: 'running',
    history: [],
    epochsDone: 0,
    bestEpoch: null,
    trainSeconds: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    appVersion: __APP_VERSION__,
    tfjsVersion: tf.version.tfjs,
  };
}

/** The stored run, if it can go on: it has a finished epoch and epochs left. */
export async function resumableRun<Config extends { epochs: number }>(
  kind: ModelKind,
  runId: string,
): Promise<RunRecord<Config>> {
  const run = (await loadRun(runId)) as RunRecord<Config> | undefined;
  if (!run || run.kind !== kind) throw new Error(`There is no ${kind} run ${runId} to resume.`);
  if (run.epochsDone === 0) {
    throw new Error(`The run ${runId} has no finished epoch to resume from: start a new run.`);
  }
  if (run.epochsDone >= run.config.epochs) {
    throw new Error(`The run ${runId} has run all its ${run.config.epochs} epochs.`);
  }
  return run;
}

export interface Session<Config> {
  run: RunRecord<Config>;
  /** The model that trains, compiled with `optimizer`. */
  model: tf.LayersModel;
  optimizer: tf.Optimizer;
  /** Epochs the run has in all (the session runs those not done yet). */
  epochs: number;
  patience: number;
  /** The batch size, so that an out-of-memory message can suggest a smaller one. */
  batchSize: number;
  loop: Pick<
    LoopOptions,
    'train' | 'val' | 'prepare' | 'beforeStep' | 'trainStep' | 'monitor' | 'validate'
  >;
  /**
   * The model each checkpoint saves, brought up to date with the trained one (a frozen backbone's
   * classifier saves backbone and head together); the trained model itself if unset.
   */
  checkpointModel?: () => tf.LayersModel;
  /** Work after each epoch's checkpoint, e.g. validation previews for the live view. */
  afterEpoch?: (figures: EpochFigures, best: boolean) => Promise<void>;
  /**
   * Fields the run record takes with a new best epoch (a classifier's calibration), stored in the
   * same write as the epoch's checkpoint.
   */
  onBest?: (figures: EpochFigures) => Partial<RunRecord<Config>>;
}

export async function runSession<Config>(
  session: Session<Config>,
  backend: BackendName,
  report: (progress: TrainingProgress<Config>) => void,
  signal: StopSignal,
): Promise<RunRecord<Config>> {
  const { run, model, optimizer } = session;
  Object.assign(run, { backend, status: 'running' } satisfies Partial<RunRecord>);
  delete run.error;
  try {
    await saveRun(run);
    report({ kind: 'run', run: { ...run } });
    let lastReport = 0;
    let sessionStart = performance.now();
    const result = await trainLoop(model, {
      ...session.loop,
      epochs: session.epochs - run.epochsDone,
      startEpoch: run.epochsDone,
      patience: session.patience,
      ...(run.bestValue !== undefined ? { bestValue: run.bestValue } : {}),
      bestEpoch: run.bestEpoch,
      onBatch: (progress) => {
        const fault = takeGpuFault();
        if (fault) throw gpuFaultError(fault, backend, session.batchSize);
        const now = performance.now();
        if (now - lastReport >= PROGRESS_INTERVAL_MS || progress.batch === progress.batches) {
          lastReport = now;
          report({ kind: 'batch', runId: run.id, progress });
        }
      },
      onEpoch: async (figures, best) => {
        const now = performance.now();
        // The run takes the epoch once its checkpoint is stored: a failed write (a full disk)
        // leaves the record, in storage and here, at the epoch before.
        const next: RunRecord<Config> = {
          ...run,
          trainSeconds: run.trainSeconds + (now - sessionStart) / 1000,
          history: [...run.history, figures],
          epochsDone: figures.epoch + 1,
          ...(best
            ? {
                ...session.onBest?.(figures),
                bestEpoch: figures.epoch,
                bestValue: (session.loop.monitor ?? VAL_LOSS).value(figures),
              }
            : {}),
        };
        const saved = session.checkpointModel?.() ?? model;
        Object.assign(run, await saveCheckpoint(saved, optimizer, next, best));
        sessionStart = now;
        await session.afterEpoch?.(figures, best);
        report({ kind: 'epoch', runId: run.id, figures, best });
      },
      shouldStop: () => signal.stopped,
    });
    run.status = result.end;
    await saveRun(run);
    return run;
  } catch (error) {
    const cause = isQuotaError(error) ? await storageFullError(KEPT_ON_FULL_DISK) : error;
    const fault = explainFault(cause, backend, session.batchSize);
    run.status = 'failed';
    run.error = fault.message;
    await saveRun(run).catch(() => undefined);
    throw fault;
  }
}
