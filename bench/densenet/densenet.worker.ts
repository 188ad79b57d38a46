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
import { sampleKey } from '../../src/loader/balance.ts';
import { maskedSource } from '../../src/loader/batches.ts';
import { compileClassifier } from '../../src/training/classifierModel.ts';
import { FEATURE_BATCH, featureSource } from '../../src/training/features.ts';
import { checkBatchFits } from '../../src/training/memory.ts';
import { selectBackend } from '../../src/worker/backend.ts';
import '../../src/worker/wasmFiles.ts';
import {
  progress,
  sendRound,
  explainingGpuFaults,
  serveBenchmark,
  syntheticLesion,
} from '../common/worker.ts';
import {
  CLASS_OF,
  HEAD_EPOCHS_PER_ROUND,
  HEAD_FEATURES,
  SEED,
  appFeatures,
  appLoop,
  bareFit,
  barePredict,
  gpuMemory,
  madeTensors,
  pipelineOnly,
  seconds,
  type Contender,
  type Data,
} from './contenders.ts';
import {
  benchTraining,
  type DenseNetRound,
  type DenseNetRunOptions,
  type DenseNetRunResult,
  type EpochTiming,
  type Timed,
} from './protocol.ts';

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
