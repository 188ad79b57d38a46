/**
 * The SegNet training benchmark's worker (the app trains in a worker too). For one backend:
 * writes synthetic image + mask records to IndexedDB at the stored size, then
 *   (a) trains a SegNet with the app's own pieces: `trainLoop` reading batches from IndexedDB,
 *       `augmentPair` as the app's `prepare`, compiled by `compileSegNet`;
 *   (b) trains a fresh SegNet with bare `model.fit` on tensors made beforehand, same shapes,
 *       batch size and epochs.
 * It times the training of each epoch (the app's validation is left out) and counts tensors.
 */
import * as tf from '@tensorflow/tfjs';
import { putBatch, type ImageRecord, type MaskRecord } from '../../src/dataset/storage.ts';
import { Random } from '../../src/lib/random.ts';
import { buildSegNet } from '../../src/models/segnet.ts';
import { PRESET_TABLE, type SegNetTraining } from '../../src/pipeline/presets.ts';
import { augmentPair } from '../../src/train/augment.ts';
import type { BatchPlan } from '../../src/train/batches.ts';
import { trainLoop } from '../../src/train/loop.ts';
import { compileSegNet } from '../../src/train/segnetTraining.ts';
import { selectBackend } from '../../src/worker/backend.ts';
import { takeGpuFault } from '../../src/worker/gpuFaults.ts';
import type { EpochTiming, SegNetRunOptions, SegNetRunResult, WorkerMessage } from './protocol.ts';

const SEED = 4;

function send(message: WorkerMessage): void {
  self.postMessage(message);
}

function progress(text: string): void {
  send({ type: 'progress', text });
}

/** A skin-toned, noisy square photo with one dark elliptical lesion, and the lesion's mask. */
function syntheticPair(index: number, size: number): { pixels: Uint8Array; mask: Uint8Array } {
  const random = new Random(SEED * 1_000_003 + index);
  const skin = [random.uniform(170, 230), random.uniform(120, 170), random.uniform(100, 150)];
  const lesion = [random.uniform(60, 120), random.uniform(30, 70), random.uniform(20, 60)];
  const cx = random.uniform(0.3, 0.7) * size;
  const cy = random.uniform(0.3, 0.7) * size;
  const rx = random.uniform(0.12, 0.3) * size;
  const ry = random.uniform(0.12, 0.3) * size;
  const pixels = new Uint8Array(size * size * 3);
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      const base = inside ? lesion : skin;
      const noise = (random.next() - 0.5) * 24;
      for (let c = 0; c < 3; c++) pixels[p * 3 + c] = (base[c] as number) + noise;
      mask[p] = inside ? 255 : 0;
    }
  }
  return { pixels, mask };
}

/** Stores `count` image + mask records the way the ingest worker does, 16 per transaction. */
async function storeRecords(keys: string[], size: number): Promise<void> {
  for (let start = 0; start < keys.length; start += 16) {
    const images: ImageRecord[] = [];
    const masks: MaskRecord[] = [];
    keys.slice(start, start + 16).forEach((key, i) => {
      const { pixels, mask } = syntheticPair(start + i, size);
      const entry = { key, id: key, source: `${key}.jpg`, width: 1024, height: 768 };
      images.push({ ...entry, folderSplit: 'train', size, pixels });
      masks.push({ ...entry, folderSplit: 'train', size, pixels: mask });
    });
    await putBatch('images', images, []);
    await putBatch('masks', masks, []);
  }
}

/** (a) The app's training: trainLoop over IndexedDB, the app's augmentation as `prepare`. */
async function appRun(
  training: SegNetTraining,
  trainKeys: string[],
  valKeys: string[],
  epochs: number,
): Promise<EpochTiming[]> {
  const model = buildSegNet(training.model);
  const optimizer = compileSegNet(model, training);
  const plan = (keys: string[], train: boolean): BatchPlan => ({
    keys,
    batchSize: training.batchSize,
    inputSize: training.model.inputSize,
    withMasks: true,
    dropRemainder: train,
    ...(train ? { shuffleSeed: SEED } : {}),
  });
  const { augment } = training;
  const augmenting = augment.rotate90 || augment.flip || augment.shear > 0;
  const timings: EpochTiming[] = [];
  let trained = { images: 0, seconds: 0 };
  try {
    await trainLoop(model, {
      train: plan(trainKeys, true),
      val: plan(valKeys, false),
      epochs,
      patience: epochs + 1,
      // As src/train/segnetTraining.ts does (seeds follow the global step).
      prepare: augmenting
        ? (x, y, step) => {
            const out = augmentPair(x, y, augment, SEED * 100_003 + step);
            return { x: out.images, y: out.masks };
          }
        : undefined,
      onBatch: (batch) => {
        const fault = takeGpuFault();
        if (fault) throw new Error(`GPU fault (${fault.kind}): ${fault.message}`);
        // The loop's own clock: from the start of the epoch to the end of this batch.
        const images = batch.batch * training.batchSize;
        trained = { images, seconds: images / batch.imagesPerSecond };
      },
      onEpoch: (figures) => {
        timings.push({ epoch: figures.epoch + 1, ...trained, numTensors: tf.memory().numTensors });
        progress(
          `app epoch ${figures.epoch + 1}/${epochs}: ${(trained.images / trained.seconds).toFixed(2)} images/s ` +
            `(training ${trained.seconds.toFixed(1)} s, with validation ${figures.seconds.toFixed(1)} s), ` +
            `loss ${figures.loss.toFixed(3)}, numTensors ${tf.memory().numTensors}`,
        );
      },
    });
  } finally {
    model.dispose();
    optimizer.dispose();
  }
  return timings;
}

/** (b) Bare `model.fit` on tensors already on the backend, same shapes, batch size and epochs. */
async function fitRun(
  training: SegNetTraining,
  images: number,
  epochs: number,
): Promise<EpochTiming[]> {
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
  const timings: EpochTiming[] = [];
  let begun = 0;
  try {
    await model.fit(x, y, {
      batchSize: training.batchSize,
      epochs,
      shuffle: true,
      verbose: 0,
      callbacks: {
        onEpochBegin: async () => {
          begun = performance.now();
        },
        // tfjs reads the epoch's logs (waiting for the backend) before calling this.
        onEpochEnd: async (epoch, logs) => {
          const seconds = (performance.now() - begun) / 1000;
          timings.push({ epoch: epoch + 1, images, seconds, numTensors: tf.memory().numTensors });
          progress(
            `fit epoch ${epoch + 1}/${epochs}: ${(images / seconds).toFixed(2)} images/s ` +
              `(${seconds.toFixed(1)} s), loss ${Number(logs?.loss).toFixed(3)}`,
          );
        },
      },
    });
  } finally {
    tf.dispose([x, y]);
    model.dispose();
    optimizer.dispose();
  }
  return timings;
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
  const app = await appRun(
    training,
    keys.slice(0, options.images),
    keys.slice(options.images),
    options.epochs,
  );
  const fit = await fitRun(training, options.images, options.epochs);
  return {
    backend: info.backend,
    adapter: info.adapter,
    tfjsVersion: info.tfjsVersion,
    inputSize: training.model.inputSize,
    batchSize: training.batchSize,
    app,
    fit,
  };
}

const describe = (error: unknown) =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);

self.addEventListener('message', (event: MessageEvent<SegNetRunOptions>) => {
  run(event.data).then(
    (result) => send({ type: 'done', result }),
    (error: unknown) => {
      console.error(describe(error));
      send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    },
  );
});

self.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
  send({ type: 'error', message: `unhandled rejection: ${describe(event.reason)}` });
});
