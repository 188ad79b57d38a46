/**
 * Trains the SegNet in the compute worker: a new run from a preset, or a stopped, failed or
 * interrupted run resumed from its last finished epoch with the same optimizer state and history.
 * Every epoch writes a checkpoint (latest, and best by validation loss), the run record, and a few
 * validation predictions for the live view. Progress streams per batch, figures per epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { dice } from '../eval/segmentation.ts';
import { buildSegNet } from '../models/segnet.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { PRESET_TABLE, type PresetName, type SegNetTraining } from '../pipeline/presets.ts';
import { takeGpuFault } from '../worker/gpuFaults.ts';
import type { StopSignal } from '../worker/jobs.ts';
import { augmentPair } from './augment.ts';
import { readEpoch, type BatchPlan } from './batches.ts';
import { loadModel, restoreOptimizer, saveCheckpoint } from './checkpoint.ts';
import { explainFault, gpuFaultError } from './faults.ts';
import { trainLoop, type BatchProgress, type LoopOptions } from './loop.ts';
import {
  PREVIEW_COUNT,
  loadRun,
  previewsKey,
  saveRun,
  saveRunState,
  type EpochFigures,
  type RunRecord,
  type SegNetPreviews,
} from './runs.ts';
import { diceCoefficient, diceLoss, jaccardIndex } from './segmentationLoss.ts';
import { loadDataset, segmentationKeys } from './trainingData.ts';

export type SegNetRun = RunRecord<SegNetTraining>;

export interface TrainSegNetParams {
  preset: PresetName;
  /** Continue this run from its last finished epoch instead of starting a new one. */
  resumeRunId?: string;
}

export type SegNetProgress =
  | { kind: 'run'; run: SegNetRun }
  | { kind: 'batch'; runId: string; progress: BatchProgress }
  | { kind: 'epoch'; runId: string; figures: EpochFigures; best: boolean };

/** Batch progress is sent at most this often (the last batch of an epoch always). */
const PROGRESS_INTERVAL_MS = 200;

export function compileSegNet(model: tf.LayersModel, training: SegNetTraining): tf.Optimizer {
  const optimizer =
    training.optimizer === 'adam'
      ? tf.train.adam(training.learningRate)
      : tf.train.momentum(training.learningRate, training.momentum);
  model.compile({ optimizer, loss: diceLoss, metrics: [diceCoefficient, jaccardIndex] });
  return optimizer;
}

/**
 * The run's augmentation as the loop's `prepare` step, or none when the preset asks for none.
 * Seeds follow the global step (`firstStep` is the step the session starts at), so a resumed run
 * draws what the uninterrupted one would.
 */
export function segnetAugmentation(
  augment: SegNetTraining['augment'],
  seed: number,
  firstStep: number,
): LoopOptions['prepare'] {
  if (!augment.rotate90 && !augment.flip && augment.shear <= 0) return undefined;
  return (x, y, step) => {
    const out = augmentPair(x, y, augment, seed * 100_003 + firstStep + step);
    return { x: out.images, y: out.masks };
  };
}

export async function trainSegNet(
  params: TrainSegNetParams,
  backend: BackendName,
  report: (progress: SegNetProgress) => void,
  signal: StopSignal,
): Promise<SegNetRun> {
  const { manifest, rows } = await loadDataset();
  const keys = segmentationKeys(rows);
  if (keys.train.length === 0 || keys.val.length === 0) {
    throw new Error(
      `The SegNet learns from images with a ground-truth mask: the train split has ${keys.train.length} and the validation split ${keys.val.length}. Add the ISIC Part 1 ground truth (…_segmentation.png) for both.`,
    );
  }
  const run = params.resumeRunId
    ? await resumable(params.resumeRunId)
    : newRun(params.preset, backend, manifest.datasetId, manifest.revision);
  const training = run.config;
  if (keys.train.length < training.batchSize) {
    throw new Error(
      `The train split has ${keys.train.length} images with masks, fewer than one batch of ${training.batchSize}.`,
    );
  }
  Object.assign(run, {
    backend,
    status: 'running',
    images: { train: keys.train.length, val: keys.val.length },
  } satisfies Partial<SegNetRun>);
  delete run.error;

  const model = params.resumeRunId
    ? await loadModel('segnet', run.id, 'latest')
    : buildSegNet(training.model);
  const optimizer = compileSegNet(model, training);
  try {
    if (params.resumeRunId) await restoreOptimizer(optimizer, run.id);
    await saveRun(run);
    report({ kind: 'run', run: { ...run } });
    const inputSize = training.model.inputSize;
    const plan = (keyList: string[], train: boolean): BatchPlan => ({
      keys: keyList,
      batchSize: training.batchSize,
      inputSize,
      withMasks: true,
      dropRemainder: train,
      ...(train ? { shuffleSeed: run.seed } : {}),
    });
    const stepsPerEpoch = Math.floor(keys.train.length / training.batchSize);
    let lastReport = 0;
    let sessionStart = performance.now();

    const result = await trainLoop(model, {
      train: plan(keys.train, true),
      val: plan(keys.val, false),
      epochs: training.epochs - run.epochsDone,
      startEpoch: run.epochsDone,
      patience: training.patience,
      bestValLoss: run.bestValLoss,
      bestEpoch: run.bestEpoch,
      prepare: segnetAugmentation(training.augment, run.seed, run.epochsDone * stepsPerEpoch),
      onBatch: (progress) => {
        const fault = takeGpuFault();
        if (fault) throw gpuFaultError(fault, backend);
        const now = performance.now();
        if (now - lastReport >= PROGRESS_INTERVAL_MS || progress.batch === progress.batches) {
          lastReport = now;
          report({ kind: 'batch', runId: run.id, progress });
        }
      },
      onEpoch: async (figures, best) => {
        const now = performance.now();
        run.trainSeconds += (now - sessionStart) / 1000;
        sessionStart = now;
        run.history.push(figures);
        run.epochsDone = figures.epoch + 1;
        if (best) {
          run.bestEpoch = figures.epoch;
          run.bestValLoss = figures.valLoss;
        }
        await saveCheckpoint(model, optimizer, run, best);
        await savePreviews(
          model,
          run.id,
          figures.epoch,
          plan(keys.val.slice(0, PREVIEW_COUNT), false),
        );
        report({ kind: 'epoch', runId: run.id, figures, best });
      },
      shouldStop: () => signal.stopped,
    });
    run.status = result.end;
    await saveRun(run);
    return run;
  } catch (error) {
    const fault = explainFault(error, backend);
    run.status = 'failed';
    run.error = fault.message;
    await saveRun(run).catch(() => undefined);
    throw fault;
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

function newRun(
  preset: PresetName,
  backend: BackendName,
  datasetId: string,
  datasetRevision: number,
): SegNetRun {
  const now = new Date();
  return {
    id: `segnet-${now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${crypto.randomUUID().slice(0, 4)}`,
    kind: 'segnet',
    preset,
    config: PRESET_TABLE[preset].segnet,
    seed: Math.floor(Math.random() * 2 ** 31),
    backend,
    datasetId,
    datasetRevision,
    images: { train: 0, val: 0 },
    status: 'running',
    history: [],
    epochsDone: 0,
    bestEpoch: null,
    bestValLoss: Infinity,
    trainSeconds: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    appVersion: __APP_VERSION__,
    tfjsVersion: tf.version.tfjs,
  };
}

async function resumable(runId: string): Promise<SegNetRun> {
  const run = (await loadRun(runId)) as SegNetRun | undefined;
  if (!run || run.kind !== 'segnet') throw new Error(`There is no SegNet run ${runId} to resume.`);
  if (run.epochsDone === 0) {
    throw new Error(`The run ${runId} has no finished epoch to resume from: start a new run.`);
  }
  if (run.epochsDone >= run.config.epochs) {
    throw new Error(`The run ${runId} has run all its ${run.config.epochs} epochs.`);
  }
  return run;
}

/** Predicts a few validation images and stores the masks (0 or 255) with their Dice. */
async function savePreviews(
  model: tf.LayersModel,
  runId: string,
  epoch: number,
  plan: BatchPlan,
): Promise<void> {
  const items: SegNetPreviews['items'] = [];
  for await (const batch of readEpoch(plan, 0)) {
    const predicted = tf.tidy(() =>
      tf.cast(tf.mul(tf.greaterEqual(model.predict(batch.x) as tf.Tensor, 0.5), 255), 'int32'),
    );
    const [masks, truths] = await Promise.all([predicted.data(), batch.y?.data()]);
    const pixels = plan.inputSize * plan.inputSize;
    batch.keys.forEach((key, i) => {
      const mask = Uint8Array.from(masks.subarray(i * pixels, (i + 1) * pixels));
      const truth = truths
        ? Uint8Array.from(truths.subarray(i * pixels, (i + 1) * pixels), (v) => v * 255)
        : mask;
      items.push({ key, predicted: mask, dice: dice(mask, truth) });
    });
    tf.dispose([predicted, batch.x, batch.y as tf.Tensor]);
  }
  const previews: SegNetPreviews = { epoch, size: plan.inputSize, items };
  await saveRunState(previewsKey(runId), previews);
}
