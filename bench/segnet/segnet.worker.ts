/**
 * The SegNet training benchmark's worker (the app trains in a worker too). For one backend:
 * writes synthetic image + mask records to IndexedDB at the stored size, then
 *   (a) trains a SegNet with the app's own pieces: `trainLoop` reading batches from IndexedDB,
 *       the app's augmentation (`segnetAugmentation`) as `prepare`, compiled by `compileSegNet`;
 *   (b) trains a fresh SegNet with bare `model.fit` on tensors made beforehand, same shapes,
 *       batch size and epochs;
 *   (c) runs the app's input pipeline alone (read + augment, no training), for comparison.
 * It times the training of each epoch (the app's validation is left out) and counts tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { putBatch, type ImageRecord, type MaskRecord } from '../../src/dataset/storage.ts';
import { buildSegNet } from '../../src/models/segnet.ts';
import { PRESET_TABLE, type SegNetTraining } from '../../src/pipeline/presets.ts';
import {
  inOrderPlan,
  readEpoch,
  segmentationSource,
  shuffledPlan,
  type BatchPlan,
} from '../../src/loader/batches.ts';
import { trainLoop } from '../../src/training/loop.ts';
import { compileSegNet, segnetAugmentation } from '../../src/training/segnetTraining.ts';
import { selectBackend } from '../../src/worker/backend.ts';
import '../../src/worker/wasmFiles.ts';
import { takeGpuFault } from '../../src/lib/gpuFaults.ts';
import { fitEpoch, progress, serveBenchmark, syntheticLesion } from '../common/worker.ts';
import type { EpochTiming, Round, SegNetRunOptions, SegNetRunResult } from './protocol.ts';

const SEED = 4;

/** Stores `count` image + mask records the way the ingest worker does, 16 per transaction. */
async function storeRecords(keys: string[], size: number): Promise<void> {
  for (let start = 0; start < keys.length; start += 16) {
    const images: ImageRecord[] = [];
    const masks: MaskRecord[] = [];
    keys.slice(start, start + 16).forEach((key, i) => {
      const { pixels, mask } = syntheticLesion(SEED, start + i, size);
      const entry = { key, id: key, source: `${key}.jpg`, width: 1024, height: 768 };
      images.push({ ...entry, folderSplit: 'train', size, pixels });
      masks.push({ ...entry, folderSplit: 'train', size, pixels: mask });
    });
    await putBatch('images', images, []);
    await putBatch('masks', masks, []);
  }
}

interface Trainer {
  /** Trains epoch `epoch` (0-based) and says how long the training took. */
  epoch(epoch: number): Promise<EpochTiming>;
  dispose(): void;
}

/**
 * (a) The app's training: `trainLoop` over IndexedDB with the app's augmentation as `prepare`,
 * one epoch per call as a resumed run does (src/training/segnetTraining.ts), timed by the loop's own
 * clock up to the end of the epoch's last batch (its validation is left out).
 */
function appTrainer(training: SegNetTraining, trainKeys: string[], valKeys: string[]): Trainer {
  const model = buildSegNet(training.model);
  const optimizer = compileSegNet(model, training);
  const source = segmentationSource(training.model.inputSize);
  const plan = (keys: string[], train: boolean): BatchPlan =>
    train
      ? shuffledPlan(keys, training.batchSize, source, SEED)
      : inOrderPlan(keys, training.batchSize, source);
  const { augment } = training;
  const stepsPerEpoch = Math.floor(trainKeys.length / training.batchSize);
  return {
    async epoch(epoch) {
      let trained: EpochTiming = { images: 0, seconds: 0 };
      await trainLoop(model, {
        train: plan(trainKeys, true),
        val: plan(valKeys, false),
        epochs: 1,
        startEpoch: epoch,
        patience: Infinity,
        prepare: segnetAugmentation(augment, SEED, epoch * stepsPerEpoch),
        onBatch: (batch) => {
          const fault = takeGpuFault();
          if (fault) throw new Error(`GPU fault (${fault.kind}): ${fault.message}`);
          // The loop's own clock: from the start of the epoch to the end of this batch.
          const images = batch.batch * training.batchSize;
          trained = { images, seconds: images / batch.imagesPerSecond };
        },
      });
      return trained;
    },
    dispose() {
      model.dispose();
      optimizer.dispose();
    },
  };
}

/**
 * (b) Bare `model.fit` on tensors already on the backend, same shapes and batch size, one epoch
 * per call, timed from tfjs's epoch start to its epoch end (which waits for the backend).
 */
function fitTrainer(training: SegNetTraining, images: number): Trainer {
  const size = training.model.inputSize;
  const model = buildSegNet(training.model);
  const optimizer = compileSegNet(model, training);
  const x = tf.randomUniform([images, size, size, 3], 0, 1, 'float32', SEED);
  const y = tf.tidy(() =>
    tf.cast(
      tf.greater(tf.randomUniform([images, size, size, 1], 0, 1, 'float32', SEED + 1), 0.5),
      'float32',
    ),
  );
  return {
    epoch: (epoch) => fitEpoch(model, x, y, training.batchSize, epoch),
    dispose() {
      tf.dispose([x, y]);
      model.dispose();
      optimizer.dispose();
    },
  };
}

/**
 * (c) The app's input pipeline alone, for the figures' sake: the same batches read from IndexedDB
 * and augmented as in (a), each waited for (`data()`), with no training.
 */
function pipelineOnly(training: SegNetTraining, trainKeys: string[]): Trainer {
  const stepsPerEpoch = Math.floor(trainKeys.length / training.batchSize);
  const plan = shuffledPlan(
    trainKeys,
    training.batchSize,
    segmentationSource(training.model.inputSize),
    SEED,
  );
  return {
    async epoch(epoch) {
      const started = performance.now();
      let images = 0;
      let step = 0;
      const prepare = segnetAugmentation(training.augment, SEED, epoch * stepsPerEpoch);
      for await (const batch of readEpoch(plan, epoch)) {
        const y = batch.y as tf.Tensor4D;
        const out = prepare?.(batch.x, y, step++) ?? { x: batch.x, y };
        await Promise.all([out.x.data(), out.y.data()]);
        tf.dispose([batch.x, y, out.x, out.y]);
        images += batch.keys.length;
      }
      return { images, seconds: (performance.now() - started) / 1000 };
    },
    dispose() {},
  };
}

/**
 * Both trainers exist from the start and take turns, one epoch each, the first alternating: a
 * change in the machine's load while it runs touches both alike.
 */
async function train(
  training: SegNetTraining,
  keys: string[],
  images: number,
  epochs: number,
): Promise<Round[]> {
  const app = appTrainer(training, keys.slice(0, images), keys.slice(images));
  const fit = fitTrainer(training, images);
  const pipeline = pipelineOnly(training, keys.slice(0, images));
  const rounds: Round[] = [];
  const rate = (t: EpochTiming) => (t.images / t.seconds).toFixed(2);
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const first = epoch % 2 === 0 ? 'app' : 'fit';
      const timings: Partial<Record<'app' | 'fit', EpochTiming>> = {};
      for (const name of first === 'app' ? (['app', 'fit'] as const) : (['fit', 'app'] as const)) {
        timings[name] = await (name === 'app' ? app : fit).epoch(epoch);
      }
      const numTensors = tf.memory().numTensors;
      const round: Round = {
        epoch: epoch + 1,
        first,
        app: timings.app as EpochTiming,
        fit: timings.fit as EpochTiming,
        pipeline: await pipeline.epoch(epoch),
        numTensors,
      };
      rounds.push(round);
      progress(
        `epoch ${epoch + 1}/${epochs}: app ${rate(round.app)} images/s (${round.app.seconds.toFixed(1)} s), ` +
          `fit ${rate(round.fit)} images/s (${round.fit.seconds.toFixed(1)} s), ` +
          `input pipeline alone ${rate(round.pipeline)} images/s, numTensors ${round.numTensors}`,
      );
    }
  } finally {
    app.dispose();
    fit.dispose();
  }
  return rounds;
}

async function run(options: SegNetRunOptions): Promise<SegNetRunResult> {
  const training = PRESET_TABLE[options.preset].segnet;
  if (options.images % training.batchSize !== 0 || options.images === 0) {
    throw new Error(
      `images (${options.images}) must be a whole number of batches of ${training.batchSize}`,
    );
  }
  const info = await selectBackend(options.backend);
  progress(`backend ${info.backend} (${info.adapter}), tfjs ${info.tfjsVersion}`);
  const keys = Array.from(
    { length: options.images + options.valImages },
    (_, i) => `bench-${String(i).padStart(5, '0')}`,
  );
  const started = performance.now();
  await storeRecords(keys, options.storedSize);
  progress(
    `stored ${keys.length} images + masks at ${options.storedSize} px in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const rounds = await train(training, keys, options.images, options.epochs);
  return {
    backend: info.backend,
    adapter: info.adapter,
    tfjsVersion: info.tfjsVersion,
    inputSize: training.model.inputSize,
    batchSize: training.batchSize,
    rounds,
  };
}

serveBenchmark(run);
