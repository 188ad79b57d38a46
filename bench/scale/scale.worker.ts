/**
 * The scale benchmark's worker: trains the app's SegNet (its `trainLoop`, batches read from the
 * dataset the app stored in this browser profile) for a few epochs under each cache budget, and
 * times the epochs after the first. Streaming holds up when a small budget trains about as fast
 * as an unlimited one.
 */
import { buildSegNet } from '../../src/models/segnet.ts';
import { PRESET_TABLE, type SegNetTraining } from '../../src/pipeline/presets.ts';
import { segmentationSource, shuffledPlan } from '../../src/loader/batches.ts';
import { trainLoop } from '../../src/training/loop.ts';
import { DEFAULT_BUDGET_BYTES } from '../../src/loader/recordCache.ts';
import { compileSegNet, segnetAugmentation } from '../../src/training/segnetTraining.ts';
import { loadDataset, segmentationKeys } from '../../src/loader/trainingData.ts';
import { selectBackend } from '../../src/worker/backend.ts';
import '../../src/worker/wasmFiles.ts';
import { progress, sendRound, serveBenchmark } from '../common/worker.ts';
import type { EpochTiming } from '../common/protocol.ts';
import type { BudgetRound, StreamingOptions, StreamingResult } from './protocol.ts';

const SEED = 7;
const MB = 2 ** 20;

serveBenchmark<StreamingOptions, StreamingResult>(async (options) => {
  const info = await selectBackend(options.backend);
  progress(`backend ${info.backend} (${info.adapter})`);
  const { manifest, rows } = await loadDataset();
  const keys = segmentationKeys(rows).train.slice(0, options.maxImages);
  const training = PRESET_TABLE[options.preset].segnet;
  const { inputSize } = training.model;
  const stored = manifest.storedSize ** 2 * 4;
  // One untimed epoch first: the backend's first steps (kernel set-up, JIT) would count against
  // whichever budget came first.
  progress('warm-up epoch');
  await trainEpochs(keys, training, Infinity, 1);
  const rounds: BudgetRound[] = [];
  for (const budgetMB of options.budgetsMB) {
    const budget = budgetMB === null ? Infinity : budgetMB * MB;
    progress(
      `${keys.length} images, budget ${budgetMB === null ? 'unlimited' : `${budgetMB} MB`} ` +
        `(default ${DEFAULT_BUDGET_BYTES / MB} MB)`,
    );
    const round = await trainEpochs(keys, training, budget, options.epochs);
    const result: BudgetRound = { budgetMB, images: keys.length, ...round };
    sendRound(result);
    rounds.push(result);
  }
  return {
    backend: info.backend,
    inputSize,
    batchSize: training.batchSize,
    images: keys.length,
    storedBytes: keys.length * stored,
    rounds,
  };
});

async function trainEpochs(
  keys: string[],
  training: SegNetTraining,
  budget: number,
  epochs: number,
): Promise<Omit<BudgetRound, 'budgetMB' | 'images'>> {
  const model = buildSegNet(training.model);
  const optimizer = compileSegNet(model, training);
  const source = segmentationSource(training.model.inputSize, budget);
  const plan = shuffledPlan(keys, training.batchSize, source, SEED);
  const stepsPerEpoch = Math.floor(keys.length / training.batchSize);
  const timings: EpochTiming[] = [];
  let warm = { hits: 0, misses: 0 };
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      if (epoch === 1) warm = source.cacheFigures?.() ?? warm;
      let trained: EpochTiming = { images: 0, seconds: 0 };
      await trainLoop(model, {
        train: plan,
        // Validation is not timed: one batch keeps the loop's shape.
        val: { ...plan, keys: keys.slice(0, training.batchSize), shuffleSeed: undefined },
        epochs: 1,
        startEpoch: epoch,
        patience: Infinity,
        prepare: segnetAugmentation(training.augment, SEED, epoch * stepsPerEpoch),
        onBatch: (batch) => {
          const images = batch.batch * training.batchSize;
          trained = { images, seconds: images / batch.imagesPerSecond };
        },
      });
      timings.push(trained);
      progress(
        `epoch ${epoch + 1}: ${(trained.images / trained.seconds).toFixed(1)} images/s, ` +
          `cache ${((source.cacheFigures?.().bytes ?? 0) / MB).toFixed(1)} MB`,
      );
    }
  } finally {
    model.dispose();
    optimizer.dispose();
  }
  const figures = source.cacheFigures?.() ?? { hits: 0, misses: 0 };
  return {
    epochs: timings,
    hits: figures.hits - warm.hits,
    misses: figures.misses - warm.misses,
  };
}
