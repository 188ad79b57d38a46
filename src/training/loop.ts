/**
 * The training loop shared by the SegNet and the classifier (runs in the compute worker): epochs of
 * batches read ahead from IndexedDB, augmented on the backend, one `trainOnBatch` each; validation
 * after every epoch; early stopping on a monitored validation figure (the loss unless told) with
 * the best epoch remembered; a stop request honoured within one batch. Progress is reported per
 * batch, figures per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { countDispatches, dispatchesSoFar } from '../engine/dispatchCount.ts';
import { disposeBatch, readEpoch, type BatchPlan } from '../loader/batches.ts';
import { fuseBatchNormRelu } from '../models/batchNorm.ts';
import type { EpochFigures } from '../runs/runs.ts';

export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
  loss: number;
  imagesPerSecond: number;
  /** Estimated seconds to the end of this epoch. */
  secondsLeft: number;
  /** The worker's tensor memory after the batch (`tf.memory()`). */
  memory: MemoryFigures;
  /** GPU dispatches the step recorded (WebGPU only): tfjs's, or the training engine's. */
  dispatches?: number;
}

export interface MemoryFigures {
  tensors: number;
  bytes: number;
  /** Bytes in GPU buffers (WebGPU, WebGL); absent on the CPU backends. */
  gpuBytes?: number;
  /** Bytes the WebGPU training engine holds beside tfjs's tensors, when it trains. */
  engineBytes?: number;
}

function memoryFigures(): MemoryFigures {
  const memory = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return {
    tensors: memory.numTensors,
    bytes: memory.numBytes,
    ...(memory.numBytesInGPU !== undefined ? { gpuBytes: memory.numBytesInGPU } : {}),
  };
}

export interface LoopOptions {
  train: BatchPlan;
  val: BatchPlan;
  /** Epochs to run, counting from `startEpoch`. */
  epochs: number;
  /** First epoch to run (a resumed run starts after its last finished epoch). */
  startEpoch?: number;
  /** Epochs without a better monitored figure before stopping. */
  patience: number;
  /** The figure that picks the best epoch and drives early stopping; the validation loss if unset. */
  monitor?: Monitor;
  /** The best monitored figure so far, and the epoch that had it (when resuming). */
  bestValue?: number;
  bestEpoch?: number | null;
  /** Turns a batch's tensors into the ones to train on (augmentation); may return the same. */
  prepare?: Prepare;
  /**
   * Called before each training step with the session's step (from 0): the learning-rate schedule
   * and weight decay (schedule.ts).
   */
  beforeStep?: (step: number) => void;
  /**
   * One training step on a prepared batch, resolving to its loss: the WebGPU engine's
   * (src/engine) where it trains the model, `model.trainOnBatch` if unset.
   */
  trainStep?: (x: tf.Tensor4D, y: tf.Tensor) => Promise<number>;
  /** GPU memory `trainStep`'s engine holds beside tfjs's tensors (reported with them). */
  engineBytes?: number;
  /** Validation loss and metrics after each epoch; `evaluate` (the model's own metrics) if unset. */
  validate?: (model: tf.LayersModel, plan: BatchPlan) => Promise<Validation>;
  onBatch?: (progress: BatchProgress) => void;
  /** Called after each epoch; a checkpoint is written here. `best` says this epoch is the best. */
  onEpoch?: (figures: EpochFigures, best: boolean) => Promise<void> | void;
  /** Checked before every batch: true ends the run after the current batch, without that epoch. */
  shouldStop?: () => boolean;
}

export type Prepare = (
  x: tf.Tensor4D,
  y: tf.Tensor,
  step: number,
) => { x: tf.Tensor4D; y: tf.Tensor };

export interface Validation {
  loss: number;
  metrics: Record<string, number>;
}

export interface Monitor {
  /** What the figure is, in words (for the run's text). */
  label: string;
  value: (figures: EpochFigures) => number;
  /** Whether a lower or a higher figure is better. */
  mode: 'min' | 'max';
}

export const VAL_LOSS: Monitor = {
  label: 'validation loss',
  value: (figures) => figures.valLoss,
  mode: 'min',
};

/** True when `value` beats `best` under the monitor's mode (NaN never does). */
export function improves(monitor: Monitor, value: number, best: number | undefined): boolean {
  if (Number.isNaN(value)) return false;
  if (best === undefined || Number.isNaN(best)) return true;
  return monitor.mode === 'min' ? value < best : value > best;
}

export type LoopEnd = 'finished' | 'early-stop' | 'stopped';

export interface LoopResult {
  end: LoopEnd;
  history: EpochFigures[];
  bestEpoch: number | null;
  /** The monitored figure of the best epoch (undefined before any epoch). */
  bestValue: number | undefined;
}

export async function trainLoop(model: tf.LayersModel, options: LoopOptions): Promise<LoopResult> {
  // Each batch norm takes the ReLU after it into its kernels where the backend has them.
  fuseBatchNormRelu(model);
  const start = options.startEpoch ?? 0;
  const history: EpochFigures[] = [];
  const monitor = options.monitor ?? VAL_LOSS;
  const validate = options.validate ?? evaluate;
  let bestValue = options.bestValue;
  let bestEpoch: number | null = options.bestEpoch ?? null;
  // Patience counts across a resume: the epochs already run since the best one.
  let sinceBest = bestEpoch === null ? 0 : start - 1 - bestEpoch;
  let step = 0;
  const onWebgpu = tf.getBackend() === 'webgpu' && countDispatches();

  for (let epoch = start; epoch < start + options.epochs; epoch++) {
    const started = performance.now();
    let lossSum = 0;
    let batches = 0;
    let images = 0;
    const total = Math.floor(options.train.keys.length / options.train.batchSize) || 1;
    // The next batch's tensors are made while the backend trains on the current one.
    const epochBatches = readEpoch(options.train, epoch);
    let next = await epochBatches.next();
    while (!next.done) {
      const batch = next.value;
      if (options.shouldStop?.()) {
        disposeBatch(batch);
        await epochBatches.return(undefined);
        return { end: 'stopped', history, bestEpoch, bestValue };
      }
      const y = batch.y;
      if (!y) throw new Error('Training batches need targets');
      options.beforeStep?.(step);
      const prepared = options.prepare?.(batch.x, y, step++) ?? { x: batch.x, y };
      const dispatchesBefore = onWebgpu ? dispatchesSoFar() : 0;
      const training = options.trainStep
        ? options.trainStep(prepared.x, prepared.y)
        : model.trainOnBatch(prepared.x, prepared.y);
      const following = epochBatches.next();
      try {
        const result = await training;
        // The next batch's reading dispatches nothing (uploads only): these are the step's.
        const dispatches = onWebgpu ? dispatchesSoFar() - dispatchesBefore : undefined;
        tf.dispose([batch.x, y, prepared.x, prepared.y]);
        const loss = Array.isArray(result) ? (result[0] as number) : result;
        if (!Number.isFinite(loss)) {
          throw new Error(
            `The training loss became ${loss} in epoch ${epoch + 1}: lower the learning rate.`,
          );
        }
        lossSum += loss;
        batches++;
        images += batch.keys.length;
        const seconds = (performance.now() - started) / 1000;
        options.onBatch?.({
          epoch,
          batch: batches,
          batches: total,
          loss,
          imagesPerSecond: images / seconds,
          secondsLeft: ((total - batches) * seconds) / batches,
          memory: {
            ...memoryFigures(),
            ...(options.engineBytes ? { engineBytes: options.engineBytes } : {}),
          },
          ...(dispatches !== undefined ? { dispatches } : {}),
        });
      } catch (error) {
        tf.dispose([batch.x, y, prepared.x, prepared.y]);
        const unused = await following.catch(() => null);
        if (unused && !unused.done) disposeBatch(unused.value);
        throw error;
      }
      next = await following;
    }
    if (batches === 0)
      throw new Error('Too few training images for one batch: add images or lower the batch size.');
    const { loss: valLoss, metrics } = await validate(model, options.val);
    const seconds = (performance.now() - started) / 1000;
    const figures: EpochFigures = {
      epoch,
      loss: lossSum / batches,
      valLoss,
      val: metrics,
      seconds,
      imagesPerSecond: images / seconds,
      tensors: tf.memory().numTensors,
    };
    history.push(figures);
    const value = monitor.value(figures);
    const best = improves(monitor, value, bestValue);
    if (best) {
      bestValue = value;
      bestEpoch = epoch;
      sinceBest = 0;
    } else {
      sinceBest++;
    }
    await options.onEpoch?.(figures, best);
    if (sinceBest >= options.patience) return { end: 'early-stop', history, bestEpoch, bestValue };
  }
  return { end: 'finished', history, bestEpoch, bestValue };
}

/** Loss and metrics over a whole split, weighted by batch size. */
export async function evaluate(model: tf.LayersModel, plan: BatchPlan): Promise<Validation> {
  const names = model.metricsNames.slice(1);
  const sums = new Array<number>(names.length + 1).fill(0);
  let count = 0;
  for await (const batch of readEpoch(plan, 0)) {
    const y = batch.y;
    if (!y) throw new Error('Validation batches need targets');
    const scalars = model.evaluate(batch.x, y, { batchSize: batch.keys.length }) as
      tf.Scalar | tf.Scalar[];
    const list = Array.isArray(scalars) ? scalars : [scalars];
    const values = await Promise.all(list.map((s) => s.data()));
    values.forEach(
      (v, i) => (sums[i] = (sums[i] as number) + (v[0] as number) * batch.keys.length),
    );
    tf.dispose([batch.x, y, ...list]);
    count += batch.keys.length;
  }
  if (count === 0)
    throw new Error('The validation split is empty: the run needs validation images.');
  return {
    loss: (sums[0] as number) / count,
    metrics: Object.fromEntries(names.map((name, i) => [name, (sums[i + 1] as number) / count])),
  };
}
