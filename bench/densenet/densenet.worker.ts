/**
 * The DenseNet training benchmark's worker (the app trains in a worker too). For one backend and
 * one mode: writes synthetic masked records with labels to IndexedDB at the stored size (as the
 * Masking stage does, `putMasked`), then measures, in rounds that alternate which goes first:
 *
 * fine-tune (every layer trains)
 *   app       `trainLoop` over `maskedSource`, `classifierAugmentation` as `prepare`, the model
 *             compiled by `compileClassifier`, validated as the app does (`predictAll`, not timed);
 *   fit       a second DenseNet, bare `model.fit` on photos and one-hot labels made beforehand;
 *   pipeline  the app's input pipeline alone: the same batches read and augmented, no training.
 * frozen (the backbone's features once, then the head)
 *   features  `computeFeatures` over the training and validation samples (copies augmented);
 *   predict   bare `backbone.predict` on as many photos made beforehand, same batch;
 *   app       `trainLoop` of the head over `featureSource` (the features of round 1);
 *   fit       a second head, bare `model.fit` on feature tensors made beforehand.
 *
 * Round 1 is the warm-up (shader compilation, first allocations): one batch of training (a whole
 * feature pass, since the head trains on its features). Later rounds are one epoch each, five for
 * the frozen head (an epoch of the head alone is too short to time).
 */
import * as tf from '@tensorflow/tfjs';
import { putMasked, type MaskedRecord } from '../../src/dataset/storage.ts';
import { buildDenseNet, buildDenseNetParts } from '../../src/models/densenet.ts';
import type { ClassifierTraining } from '../../src/pipeline/presets.ts';
import { sampleKey } from '../../src/train/balance.ts';
import {
  maskedSource,
  readEpoch,
  type BatchPlan,
  type BatchSource,
} from '../../src/train/batches.ts';
import {
  MELANOMA_AUC,
  classifierAugmentation,
  compileClassifier,
} from '../../src/train/classifierTraining.ts';
import { classifierFigures, predictAll } from '../../src/train/classifierValidation.ts';
import {
  FEATURE_BATCH,
  computeFeatures,
  deleteFeatures,
  featureSource,
} from '../../src/train/features.ts';
import { trainLoop } from '../../src/train/loop.ts';
import { checkBatchFits } from '../../src/train/memory.ts';
import { selectBackend } from '../../src/worker/backend.ts';
import '../../src/worker/wasmFiles.ts';
import { takeGpuFault } from '../../src/worker/gpuFaults.ts';
import {
  fitEpoch,
  progress,
  sendRound,
  explainingGpuFaults,
  serveBenchmark,
  syntheticLesion,
} from '../shared/worker.ts';
import {
  benchTraining,
  type DenseNetRound,
  type DenseNetRunOptions,
  type DenseNetRunResult,
  type EpochTiming,
  type Timed,
} from './protocol.ts';

const SEED = 7;
/** Class of record i by i mod 5: three nevi, a melanoma, a seborrheic keratosis. */
const CLASS_OF = [0, 0, 0, 1, 2];
const CLASSES = 3;
/** Steps slower than this are logged one by one (a DenseNet-121 step on a software GPU). */
const SLOW_STEP_SECONDS = 5;
/**
 * Epochs of the frozen head per timed round: an epoch of the head alone takes milliseconds, too
 * short to time on its own.
 */
const HEAD_EPOCHS_PER_ROUND = 5;
/** The features the frozen head trains on: round 1's. */
const HEAD_FEATURES = 'bench-features-1';

/** Ends the run with the cause when WebGPU reported a fault (out of memory, lost device). */
function checkFault(): void {
  const fault = takeGpuFault();
  if (fault) throw new Error(`GPU fault (${fault.kind}): ${fault.message}`);
}

/** The GPU backend's memory figures in MiB (webgpu and webgl name them differently). */
function gpuMemory(): DenseNetRound['gpuMiB'] {
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

const seconds = (since: number) => (performance.now() - since) / 1000;

/** Masked records as the Masking stage stores them: the photo, black outside its mask. */
async function storeMasked(keys: string[], size: number): Promise<void> {
  for (let start = 0; start < keys.length; start += 16) {
    const records: MaskedRecord[] = keys.slice(start, start + 16).map((key, i) => {
      const { pixels, mask } = syntheticLesion(SEED, start + i, size);
      for (let p = 0; p < mask.length; p++) {
        if (mask[p] === 0) pixels.fill(0, p * 3, p * 3 + 3);
      }
      return { key, size, pixels, mask };
    });
    await putMasked(records);
  }
}

interface Data {
  training: ClassifierTraining;
  /** Training sample keys, every second an oversampled copy (`key#1`) of the one before. */
  samples: string[];
  valKeys: string[];
  /** Class index per stored record. */
  labels: Map<string, number>;
}

/** One contender: runs round `epoch` (0-based) and says how long its timed part took. */
interface Contender {
  run(epoch: number, warmUp: boolean): Promise<EpochTiming>;
  dispose(): void;
}

/**
 * The app's loop, one call per round (a resumed run also calls it for the epochs left), each epoch
 * timed by the loop's own clock up to the end of its last batch (the validation after it is left
 * out), summed over the round's epochs.
 */
function appLoop(
  model: tf.LayersModel,
  data: Data,
  source: BatchSource,
  label: string,
  augment: boolean,
  epochsPerRound = 1,
): Contender {
  const { batchSize } = data.training;
  const plan = (keys: string[], train: boolean): BatchPlan => ({
    keys,
    batchSize,
    source,
    dropRemainder: train,
    ...(train ? { shuffleSeed: SEED } : {}),
  });
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
function bareFit(
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
function madeTensors(count: number, shape: number[]): { x: tf.Tensor; y: tf.Tensor } {
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
function pipelineOnly(data: Data, source: BatchSource): Contender {
  const { batchSize } = data.training;
  let steps = 0;
  return {
    async run(epoch, warmUp) {
      const keys = warmUp ? data.samples.slice(0, batchSize) : data.samples;
      const plan: BatchPlan = { keys, batchSize, source, dropRemainder: true, shuffleSeed: SEED };
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
 * round; round 1's stays for the head, the others are deleted after they are timed.
 */
function appFeatures(backbone: tf.LayersModel, data: Data): Contender {
  const all = [...data.samples, ...data.valKeys];
  return {
    async run(epoch) {
      const runId = `bench-features-${epoch + 1}`;
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
function barePredict(backbone: tf.LayersModel, data: Data): Contender {
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

interface Pair {
  app: [Timed, Contender];
  bare: [Timed, Contender];
}

/** The rounds: each pair's app and bare contenders take turns, the first alternating. */
async function rounds(
  epochs: number,
  pairs: Pair[],
  extra: [Timed, Contender][],
): Promise<DenseNetRound[]> {
  const done: DenseNetRound[] = [];
  const rate = (t: EpochTiming | undefined) =>
    t ? `${(t.images / t.seconds).toPrecision(3)} images/s (${t.seconds.toFixed(1)} s)` : '–';
  for (let epoch = 0; epoch < epochs; epoch++) {
    const warmUp = epoch === 0;
    const first = epoch % 2 === 0 ? 'app' : 'bare';
    const started = performance.now();
    const timings: DenseNetRound['timings'] = {};
    for (const pair of pairs) {
      const order = first === 'app' ? [pair.app, pair.bare] : [pair.bare, pair.app];
      for (const [name, contender] of order) timings[name] = await contender.run(epoch, warmUp);
    }
    for (const [name, contender] of extra) timings[name] = await contender.run(epoch, warmUp);
    const gpuMiB = gpuMemory();
    const round: DenseNetRound = {
      epoch: epoch + 1,
      first,
      timings,
      numTensors: tf.memory().numTensors,
      ...(gpuMiB ? { gpuMiB } : {}),
      seconds: seconds(started),
    };
    done.push(round);
    sendRound(round);
    const measured = Object.entries(timings).map(([name, t]) => `${name} ${rate(t)}`);
    progress(
      `round ${epoch + 1}/${epochs}${warmUp ? ' (warm-up)' : ''} in ${round.seconds.toFixed(1)} s: ` +
        `${measured.join(', ')}; numTensors ${round.numTensors}` +
        (gpuMiB ? `, GPU MiB in tensors ${gpuMiB.used}, held ${gpuMiB.held}` : ''),
    );
  }
  return done;
}

async function fineTune(data: Data, epochs: number): Promise<DenseNetRound[]> {
  const { training } = data;
  const { inputSize } = training.model;
  const source = maskedSource(inputSize, data.labels);
  const appModel = buildDenseNet(training.model);
  const fitModel = buildDenseNet(training.model);
  const optimizers = [
    compileClassifier(appModel, training, null),
    compileClassifier(fitModel, training, null),
  ];
  const { x, y } = madeTensors(data.samples.length, [inputSize, inputSize, 3]);
  const app = appLoop(appModel, data, source, 'app', true);
  const fit = bareFit(fitModel, x, y, training.batchSize);
  const pipeline = pipelineOnly(data, source);
  try {
    checkBatchFits(appModel, training.batchSize);
    return await rounds(
      epochs,
      [{ app: ['app', app], bare: ['fit', fit] }],
      [['pipeline', pipeline]],
    );
  } finally {
    fit.dispose();
    appModel.dispose();
    fitModel.dispose();
    optimizers.forEach((o) => o.dispose());
  }
}

async function frozen(
  data: Data,
  epochs: number,
): Promise<{ rounds: DenseNetRound[]; featureShape: number[] }> {
  const { training } = data;
  const parts = buildDenseNetParts(training.model);
  const fitHead = buildDenseNetParts(training.model).head;
  const featureShape = parts.backbone.outputs[0]?.shape.slice(1) as number[];
  const optimizers = [
    compileClassifier(parts.head, training, null),
    compileClassifier(fitHead, training, null),
  ];
  const { x, y } = madeTensors(data.samples.length, featureShape);
  const contenders = {
    features: appFeatures(parts.backbone, data),
    predict: barePredict(parts.backbone, data),
    app: appLoop(
      parts.head,
      data,
      featureSource(HEAD_FEATURES, data.labels),
      'head',
      false,
      HEAD_EPOCHS_PER_ROUND,
    ),
    fit: bareFit(fitHead, x, y, training.batchSize, HEAD_EPOCHS_PER_ROUND),
  };
  try {
    checkBatchFits(parts.backbone, FEATURE_BATCH);
    checkBatchFits(parts.head, training.batchSize);
    const done = await rounds(
      epochs,
      [
        { app: ['features', contenders.features], bare: ['predict', contenders.predict] },
        { app: ['app', contenders.app], bare: ['fit', contenders.fit] },
      ],
      [],
    );
    return { rounds: done, featureShape };
  } finally {
    Object.values(contenders).forEach((c) => c.dispose());
    parts.backbone.dispose();
    parts.head.dispose();
    fitHead.dispose();
    optimizers.forEach((o) => o.dispose());
  }
}

async function measure(options: DenseNetRunOptions): Promise<DenseNetRunResult> {
  const { batchSize, images } = options;
  if (images % batchSize !== 0 || images === 0)
    throw new Error(`images (${images}) must be a whole number of batches of ${batchSize}`);
  const training = benchTraining(options.config, options.inputSize, batchSize);
  const info = await selectBackend(options.backend);
  progress(`backend ${info.backend} (${info.adapter}), tfjs ${info.tfjsVersion}`);
  const started = performance.now();
  const key = (split: string, i: number) => `bench-${split}-${String(i).padStart(5, '0')}`;
  const trainKeys = Array.from({ length: Math.ceil(images / 2) }, (_, i) => key('train', i));
  const valKeys = Array.from({ length: options.valImages }, (_, i) => key('val', i));
  const labels = new Map(
    [...trainKeys, ...valKeys].map((k, i) => [k, CLASS_OF[i % CLASS_OF.length] as number]),
  );
  await storeMasked([...trainKeys, ...valKeys], options.storedSize);
  const data: Data = {
    training,
    samples: Array.from({ length: images }, (_, i) =>
      sampleKey(trainKeys[Math.floor(i / 2)] as string, i % 2),
    ),
    valKeys,
    labels,
  };
  progress(
    `stored ${trainKeys.length + valKeys.length} masked records at ${options.storedSize} px in ` +
      `${seconds(started).toFixed(1)} s; ${options.mode}, ${images} samples, batch ${batchSize}`,
  );
  const setupSeconds = seconds(started);
  const base = {
    backend: info.backend,
    adapter: info.adapter,
    tfjsVersion: info.tfjsVersion,
    setupSeconds,
  };
  if (options.mode === 'fine-tune')
    return { ...base, rounds: await fineTune(data, options.epochs) };
  const result = await frozen(data, options.epochs);
  return {
    ...base,
    featureShape: result.featureShape,
    featureBatch: FEATURE_BATCH,
    rounds: result.rounds,
  };
}

serveBenchmark(explainingGpuFaults(measure));
