/**
 * The DenseNet benchmark's contenders and their shared settings: the app's training loop, its input
 * pipeline alone and its feature pass, against bare `model.fit` and `backbone.predict`. Each runs
 * one round when asked and says how long its timed part took; bench/densenet/densenet.worker.ts
 * pairs them into rounds.
 */
import * as tf from '@tensorflow/tfjs';
import type { ClassifierTraining } from '../../src/pipeline/presets.ts';
import {
  inOrderPlan,
  readEpoch,
  shuffledPlan,
  type BatchPlan,
  type BatchSource,
} from '../../src/loader/batches.ts';
import { classifierAugmentation } from '../../src/training/classifierModes.ts';
import {
  MELANOMA_AUC,
  classifierFigures,
  predictAll,
} from '../../src/training/classifierValidation.ts';
import { FEATURE_BATCH, computeFeatures, deleteFeatures } from '../../src/training/features.ts';
import { trainLoop } from '../../src/training/loop.ts';
import { takeGpuFault } from '../../src/lib/gpuFaults.ts';
import { fitEpoch, progress } from '../common/worker.ts';
import type { DenseNetRound, EpochTiming } from './protocol.ts';

export const SEED = 7;
/** Class of record i by i mod 5: three nevi, a melanoma, a seborrheic keratosis. */
export const CLASS_OF = [0, 0, 0, 1, 2];
const CLASSES = 3;
/** Steps slower than this are logged one by one (a DenseNet-121 step on a software GPU). */
const SLOW_STEP_SECONDS = 5;
/**
 * Epochs of the frozen head per timed round: an epoch of the head alone takes milliseconds, too
 * short to time on its own.
 */
export const HEAD_EPOCHS_PER_ROUND = 5;
/** The features the frozen head trains on: round 1's. */
export const HEAD_FEATURES = 'bench-features-1';

/** Ends the run with the cause when WebGPU reported a fault (out of memory, lost device). */
function checkFault(): void {
  const fault = takeGpuFault();
  if (fault) throw new Error(`GPU fault (${fault.kind}): ${fault.message}`);
}

/** The GPU backend's memory figures in MiB (webgpu and webgl name them differently). */
export function gpuMemory(): DenseNetRound['gpuMiB'] {
  const memory = tf.memory() as tf.MemoryInfo & {
    numBytesInGPU?: number;
    numBytesAllocatedInGPU?: number;
    numBytesInGPUAllocated?: number;
  };
  const held = memory.numBytesAllocatedInGPU ?? memory.numBytesInGPUAllocated;
  if (memory.numBytesInGPU === undefined || held === undefined) return undefined;
  const mib = (bytes: number) => Math.round(bytes / 2 ** 20);
  return { used: mib(memory.numBytesInGPU), held: mib(held) };
}

export const seconds = (since: number) => (performance.now() - since) / 1000;

export interface Data {
  training: ClassifierTraining;
  /** Training sample keys, every second an oversampled copy (`key#1`) of the one before. */
  samples: string[];
  valKeys: string[];
  /** Class index per stored record. */
  labels: Map<string, number>;
}

/** One contender: runs round `epoch` (0-based) and says how long its timed part took. */
export interface Contender {
  run(epoch: number, warmUp: boolean): Promise<EpochTiming>;
  dispose(): void;
}

/**
 * The app's loop, one call per round (a resumed run also calls it for the epochs left), each epoch
 * timed by the loop's own clock up to the end of its last batch (the validation after it is left
 * out), summed over the round's epochs.
 */
export function appLoop(
  model: tf.LayersModel,
  data: Data,
  source: BatchSource,
  label: string,
  augment: boolean,
  epochsPerRound = 1,
): Contender {
  const { batchSize } = data.training;
  const plan = (keys: string[], train: boolean): BatchPlan =>
    train ? shuffledPlan(keys, batchSize, source, SEED) : inOrderPlan(keys, batchSize, source);
  let steps = 0;
  return {
    async run(epoch, warmUp) {
      const keys = warmUp ? data.samples.slice(0, batchSize) : data.samples;
      const epochs = warmUp ? 1 : epochsPerRound;
      // Per epoch, the loop's own clock: from the start of the epoch to the end of its last batch.
      const trained = new Map<number, EpochTiming>();
      let last = 0;
      await trainLoop(model, {
        train: plan(keys, true),
        val: plan(data.valKeys, false),
        epochs,
        startEpoch: epoch * epochsPerRound,
        patience: Infinity,
        monitor: MELANOMA_AUC,
        validate: async (m, valPlan) => classifierFigures(await predictAll(m, valPlan)),
        ...(augment ? { prepare: classifierAugmentation(data.training.augment, SEED, steps) } : {}),
        onBatch: (batch) => {
          checkFault();
          const images = batch.batch * batchSize;
          const elapsed = images / batch.imagesPerSecond;
          const step = batch.batch === 1 ? elapsed : elapsed - last;
          if (step > SLOW_STEP_SECONDS) {
            progress(`  ${label} step ${batch.batch}/${batch.batches}: ${step.toFixed(1)} s`);
          }
          last = elapsed;
          trained.set(batch.epoch, { images, seconds: elapsed });
        },
      });
      steps += (epochs * keys.length) / batchSize;
      return [...trained.values()].reduce(
        (sum, t) => ({ images: sum.images + t.images, seconds: sum.seconds + t.seconds }),
        { images: 0, seconds: 0 },
      );
    },
    dispose() {},
  };
}

/** Bare `model.fit` on tensors made beforehand; the warm-up round fits their first batch. */
export function bareFit(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  batchSize: number,
  epochsPerRound = 1,
): Contender {
  const warm = tf.tidy(() => [x.slice(0, batchSize), y.slice(0, batchSize)] as const);
  return {
    async run(epoch, warmUp) {
      const timing = warmUp
        ? await fitEpoch(model, warm[0], warm[1], batchSize, 0)
        : await fitEpoch(model, x, y, batchSize, epoch * epochsPerRound, epochsPerRound);
      checkFault();
      return timing;
    },
    dispose() {
      tf.dispose([x, y, ...warm]);
    },
  };
}

/** Random photos in 0..1 and random one-hot labels, made on the backend beforehand. */
export function madeTensors(count: number, shape: number[]): { x: tf.Tensor; y: tf.Tensor } {
  return tf.tidy(() => ({
    x: tf.randomUniform([count, ...shape], 0, 1, 'float32', SEED),
    y: tf.oneHot(
      tf.tensor1d(
        Array.from({ length: count }, (_, i) => CLASS_OF[i % CLASS_OF.length] as number),
        'int32',
      ),
      CLASSES,
    ),
  }));
}

/** The app's input pipeline alone: the same batches read and augmented, waited for, no training. */
export function pipelineOnly(data: Data, source: BatchSource): Contender {
  const { batchSize } = data.training;
  let steps = 0;
  return {
    async run(epoch, warmUp) {
      const keys = warmUp ? data.samples.slice(0, batchSize) : data.samples;
      const plan = shuffledPlan(keys, batchSize, source, SEED);
      const prepare = classifierAugmentation(data.training.augment, SEED, steps);
      const started = performance.now();
      let images = 0;
      let step = 0;
      for await (const batch of readEpoch(plan, epoch)) {
        const y = batch.y as tf.Tensor;
        const out = prepare(batch.x, y, step++);
        await Promise.all([out.x.data(), out.y.data()]);
        tf.dispose([batch.x, y, out.x, out.y]);
        images += batch.keys.length;
      }
      steps += step;
      return { images, seconds: seconds(started) };
    },
    dispose() {},
  };
}

/**
 * The app's feature pass over every sample (training and validation), into a store of its own per
 * round, emptied first (a run before this one in the same browser leaves round 1's behind, and
 * `computeFeatures` skips the samples it finds); round 1's stays for the head, the others are
 * deleted after they are timed.
 */
export function appFeatures(backbone: tf.LayersModel, data: Data): Contender {
  const all = [...data.samples, ...data.valKeys];
  return {
    async run(epoch) {
      const runId = `bench-features-${epoch + 1}`;
      await deleteFeatures(runId);
      const started = performance.now();
      let reported = started;
      await computeFeatures(
        backbone,
        runId,
        all,
        data.training.augment,
        SEED,
        ({ done, total }) => {
          if (done > 0 && seconds(reported) > SLOW_STEP_SECONDS) {
            progress(`  features ${done}/${total}: ${seconds(started).toFixed(1)} s`);
            reported = performance.now();
          }
        },
        () => false,
      );
      const timing = { images: all.length, seconds: seconds(started) };
      checkFault();
      if (runId !== HEAD_FEATURES) await deleteFeatures(runId);
      return timing;
    },
    dispose() {},
  };
}

/** Bare `backbone.predict` on as many photos made beforehand, in batches of FEATURE_BATCH. */
export function barePredict(backbone: tf.LayersModel, data: Data): Contender {
  const count = data.samples.length + data.valKeys.length;
  const { inputSize } = data.training.model;
  const x = tf.randomUniform([count, inputSize, inputSize, 3], 0, 1, 'float32', SEED);
  return {
    async run() {
      const started = performance.now();
      const output = backbone.predict(x, { batchSize: FEATURE_BATCH }) as tf.Tensor;
      await output.data();
      output.dispose();
      const timing = { images: count, seconds: seconds(started) };
      checkFault();
      return timing;
    },
    dispose() {
      x.dispose();
    },
  };
}
