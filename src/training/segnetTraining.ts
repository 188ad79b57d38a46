/**
 * Trains the SegNet in the compute worker: a new run from a preset, or a stopped, failed or
 * interrupted run resumed from its last finished epoch with the same optimizer state and history
 * (the session machinery is session.ts). Besides the checkpoints, every epoch stores a few
 * validation predictions for the live view.
 */
import * as tf from '@tensorflow/tfjs';
import { dice } from '../metrics/segmentation.ts';
import { buildSegNet } from '../models/segnet.ts';
import type { BackendName, EngineChoice } from '../pipeline/backends.ts';
import { chooseEngine } from '../engine/engineChoice.ts';
import { PRESET_TABLE, type PresetName, type SegNetTraining } from '../pipeline/presets.ts';
import type { StopSignal } from '../lib/jobs.ts';
import { augmentPair } from '../loader/augment.ts';
import {
  disposeBatch,
  inOrderPlan,
  readEpoch,
  segmentationSource,
  shuffledPlan,
  type BatchPlan,
} from '../loader/batches.ts';
import { loadModel, restoreOptimizer } from '../runs/checkpoint.ts';
import { firstStep, stepSeed } from './augmentSeeds.ts';
import { stepSchedule } from './schedule.ts';
import type { Prepare } from './loop.ts';
import {
  PREVIEW_COUNT,
  previewsKey,
  saveRunState,
  type RunRecord,
  type SegNetPreviews,
} from '../runs/runs.ts';
import { diceCoefficient, diceLoss, jaccardIndex } from './segmentationLoss.ts';
import { newRunRecord, resumableRun, runSession, type TrainingProgress } from './session.ts';
import { loadDataset, segmentationKeys } from '../loader/trainingData.ts';
import { adam } from './adam.ts';

export type SegNetRun = RunRecord<SegNetTraining>;
export type SegNetProgress = TrainingProgress<SegNetTraining>;

export interface TrainSegNetParams {
  preset: PresetName;
  /** `tfjs` trains through tfjs even where the WebGPU engine could (`?engine=tfjs`). */
  engine?: EngineChoice;
  /** Continue this run from its last finished epoch instead of starting a new one. */
  resumeRunId?: string;
}

export function compileSegNet(model: tf.LayersModel, training: SegNetTraining): tf.Optimizer {
  const optimizer =
    training.optimizer === 'adam'
      ? adam(training.learningRate)
      : tf.train.momentum(training.learningRate, training.momentum);
  model.compile({ optimizer, loss: diceLoss, metrics: [diceCoefficient, jaccardIndex] });
  return optimizer;
}

/**
 * The run's augmentation as the loop's `prepare` step, or none when the preset asks for none.
 * Seeds follow the run's step (`first` is the step the session starts at: augmentSeeds.ts), so a
 * resumed run draws what the uninterrupted one would.
 */
export function segnetAugmentation(
  augment: SegNetTraining['augment'],
  seed: number,
  first: number,
): Prepare | undefined {
  if (!augment.rotate90 && !augment.flip && augment.shear <= 0) return undefined;
  return (x, y, step) => {
    const out = augmentPair(x, y as tf.Tensor4D, augment, stepSeed(seed, first, step));
    return { x: out.images, y: out.masks };
  };
}

export async function trainSegNet(
  params: TrainSegNetParams,
  backend: BackendName,
  report: (progress: SegNetProgress) => void,
  signal: StopSignal,
): Promise<SegNetRun> {
  const dataset = await loadDataset();
  const keys = segmentationKeys(dataset.rows);
  if (keys.train.length === 0 || keys.val.length === 0) {
    throw new Error(
      `The SegNet learns from images with a ground-truth mask: the train split has ${keys.train.length} and the validation split ${keys.val.length}. Add the ISIC Part 1 ground truth (…_segmentation.png) for both.`,
    );
  }
  const run = params.resumeRunId
    ? await resumableRun<SegNetTraining>('segnet', params.resumeRunId)
    : newRunRecord('segnet', params.preset, PRESET_TABLE[params.preset].segnet, backend, dataset);
  const training = run.config;
  if (keys.train.length < training.batchSize) {
    throw new Error(
      `The train split has ${keys.train.length} images with masks, fewer than one batch of ${training.batchSize}.`,
    );
  }
  run.images = { train: keys.train.length, val: keys.val.length };

  const model = params.resumeRunId
    ? await loadModel('segnet', run.id, 'latest')
    : buildSegNet(training.model);
  const optimizer = compileSegNet(model, training);
  let engine: Awaited<ReturnType<typeof chooseEngine>>['engine'] = null;
  try {
    if (params.resumeRunId) await restoreOptimizer(optimizer, run.id);
    const chosen = await chooseEngine(
      model,
      optimizer,
      training.batchSize,
      backend,
      params.engine ?? 'auto',
    );
    engine = chosen.engine;
    run.engine = chosen.description;
    run.engineKind = engine ? 'fused' : 'tfjs';
    const source = segmentationSource(training.model.inputSize);
    const inOrder = (keyList: string[]) => inOrderPlan(keyList, training.batchSize, source);
    const first = firstStep(run.epochsDone, keys.train.length, training.batchSize);
    const beforeStep = stepSchedule({
      optimizer,
      model,
      learningRate: training.learningRate,
      schedule: training.schedule,
      weightDecay: training.weightDecay,
      first,
      stepsPerEpoch: Math.floor(keys.train.length / training.batchSize),
      epochs: training.epochs,
    });
    return await runSession(
      {
        run,
        model,
        optimizer,
        epochs: training.epochs,
        patience: training.patience,
        batchSize: training.batchSize,
        loop: {
          train: shuffledPlan(keys.train, training.batchSize, source, run.seed),
          val: inOrder(keys.val),
          prepare: segnetAugmentation(training.augment, run.seed, first),
          ...(beforeStep ? { beforeStep } : {}),
          ...(engine ? { trainStep: engine.step.bind(engine), engineBytes: engine.bytes } : {}),
        },
        afterEpoch: (figures) =>
          savePreviews(model, run.id, figures.epoch, inOrder(keys.val.slice(0, PREVIEW_COUNT))),
      },
      backend,
      report,
      signal,
    );
  } finally {
    engine?.dispose();
    model.dispose();
    optimizer.dispose();
  }
}

/** Predicts a few validation images and stores the masks (0 or 255) with their Dice. */
async function savePreviews(
  model: tf.LayersModel,
  runId: string,
  epoch: number,
  plan: BatchPlan,
): Promise<void> {
  const items: SegNetPreviews['items'] = [];
  let size = 0;
  for await (const batch of readEpoch(plan, 0)) {
    size = batch.x.shape[1];
    const predicted = tf.tidy(() =>
      tf.cast(tf.mul(tf.greaterEqual(model.predict(batch.x) as tf.Tensor, 0.5), 255), 'int32'),
    );
    const [masks, truths] = await Promise.all([predicted.data(), batch.y?.data()]);
    const pixels = size * size;
    batch.keys.forEach((key, i) => {
      const mask = Uint8Array.from(masks.subarray(i * pixels, (i + 1) * pixels));
      const truth = truths
        ? Uint8Array.from(truths.subarray(i * pixels, (i + 1) * pixels), (v) => v * 255)
        : mask;
      items.push({ key, predicted: mask, dice: dice(mask, truth) });
    });
    predicted.dispose();
    disposeBatch(batch);
  }
  const previews: SegNetPreviews = { epoch, size, items };
  await saveRunState(previewsKey(runId), previews);
}
