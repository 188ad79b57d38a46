import '../training/browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fillDiskAfter, type FullDisk } from '../storage/testQuota.ts';
import { buildSegNet } from '../models/segnet.ts';
import { loadModel, modelUrl, restoreOptimizer, saveCheckpoint } from './checkpoint.ts';
import { TrainingFault } from '../training/faults.ts';
import { loadRun, loadRunState, optimizerKey, type RunRecord } from './runs.ts';
import { diceLoss } from '../training/segmentationLoss.ts';
import { trainSegNet, type SegNetProgress } from '../training/segnetTraining.ts';
import { squareLesion, storeDataset } from '../loader/testLesions.ts';
import { testRun } from './testRuns.ts';

const SIZE = 8;

let disk: FullDisk | null = null;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

afterEach(() => {
  disk?.restore();
  disk = null;
});

/** A trained step further: the weights change at every call. */
async function step(model: tf.LayersModel): Promise<void> {
  const x = tf.randomUniform([2, SIZE, SIZE, 3], 0, 1, 'float32', 5);
  const y = tf.cast(
    tf.greater(tf.randomUniform([2, SIZE, SIZE, 1], 0, 1, 'float32', 6), 0.5),
    'float32',
  );
  await model.trainOnBatch(x, y);
  tf.dispose([x, y]);
}

async function weightsOf(model: tf.LayersModel): Promise<number[]> {
  return (await Promise.all(model.getWeights().map((w) => w.data()))).flatMap((d) => [...d]);
}

/** The record with the next epoch, as the training session hands it to `saveCheckpoint`. */
function nextEpoch(run: RunRecord, best: boolean): RunRecord {
  const epoch = run.epochsDone;
  const figures = { epoch, loss: 1, valLoss: 1, val: {}, seconds: 1, imagesPerSecond: 1 };
  return {
    ...run,
    history: [...run.history, figures],
    epochsDone: epoch + 1,
    ...(best ? { bestEpoch: epoch, bestValue: 1 - epoch / 10 } : {}),
  };
}

describe('a full disk in the middle of a checkpoint', () => {
  it('leaves the record naming the previous checkpoint, whole and loadable, at every write', async () => {
    const model = buildSegNet({ inputSize: SIZE, encoder: [[2]] });
    const optimizer = tf.train.adam(1e-2);
    model.compile({ optimizer, loss: diceLoss });
    await step(model);
    const first = await saveCheckpoint(
      model,
      optimizer,
      nextEpoch(
        testRun({
          id: 'full-1',
          config: { inputSize: SIZE },
          epochsDone: 0,
          bestEpoch: null,
          trainSeconds: 0,
          createdAt: '2026-03-01',
          updatedAt: '2026-03-01',
        }),
        true,
      ),
      true,
    );
    const firstWeights = await weightsOf(model);
    expect(first.checkpoints).toEqual({ latest: 'b', best: 'b' });

    // The second epoch's checkpoint writes: the latest model (2 puts), the best (2), the optimizer
    // state (1) and the record (1). The disk fills before each of them in turn.
    await step(model);
    for (let writes = 0; writes < 6; writes++) {
      disk = fillDiskAfter(writes);
      await expect(
        saveCheckpoint(model, optimizer, nextEpoch(first, true), true),
      ).rejects.toMatchObject({ name: 'QuotaExceededError' });
      disk.restore();
      disk = null;

      const stored = await loadRun('full-1');
      expect(stored, `disk full after ${writes} writes`).toMatchObject({
        epochsDone: 1,
        bestEpoch: 0,
        checkpoints: { latest: 'b', best: 'b' },
      });
      for (const which of ['latest', 'best'] as const) {
        const loaded = await loadModel('segnet', 'full-1', which);
        expect(await weightsOf(loaded)).toEqual(firstWeights);
        loaded.dispose();
      }
      const resumed = tf.train.adam(1e-2);
      expect(await restoreOptimizer(resumed, 'full-1')).toBe(true);
      resumed.dispose();
    }

    // With space again the checkpoint goes to the other slots and frees the old ones.
    const second = await saveCheckpoint(model, optimizer, nextEpoch(first, false), false);
    expect(second).toMatchObject({ epochsDone: 2, checkpoints: { latest: 'a', best: 'b' } });
    expect(await loadRun('full-1')).toMatchObject({ epochsDone: 2 });
    const latest = await loadModel('segnet', 'full-1', 'latest');
    expect(await weightsOf(latest)).toEqual(await weightsOf(model));
    latest.dispose();
    const models = Object.keys(await tf.io.listModels()).filter((url) => url.includes('full-1'));
    expect(models.sort()).toEqual(
      [
        modelUrl('segnet', 'full-1', 'best', 'b'),
        modelUrl('segnet', 'full-1', 'latest', 'a'),
      ].sort(),
    );
    expect(await loadRunState(optimizerKey('full-1', 'b'))).toBeUndefined();
    expect(await loadRunState(optimizerKey('full-1', 'a'))).toBeDefined();
    model.dispose();
  });
});

/** Stops a run once it has reported an epoch. */
function stopAfterAnEpoch() {
  const signal = { stopped: false };
  const report = (progress: SegNetProgress) => {
    if (progress.kind === 'epoch') signal.stopped = true;
  };
  return { signal, report };
}

describe('a SegNet run that fills the disk', () => {
  it('fails with a storage-full message, keeps its last finished epoch, and resumes from it', async () => {
    const size = 16;
    const all = Array.from({ length: 20 }, (_, n) =>
      squareLesion(n, size, n < 16 ? 'train' : 'val'),
    );
    await storeDataset(all, size);

    const first = stopAfterAnEpoch();
    const stopped = await trainSegNet({ preset: 'quick' }, 'cpu', first.report, first.signal);
    expect(stopped).toMatchObject({ status: 'stopped', epochsDone: 1 });
    const before = tf.memory().numTensors;

    // Resumed, the run stores its record (1 put), then the disk is full for the epoch's checkpoint.
    disk = fillDiskAfter(1);
    const failure = trainSegNet(
      { preset: 'quick', resumeRunId: stopped.id },
      'cpu',
      () => undefined,
      { stopped: false },
    );
    await expect(failure).rejects.toBeInstanceOf(TrainingFault);
    await expect(failure).rejects.toThrow(
      /storage for this site is full.*The last finished epoch is kept/,
    );
    expect(disk.puts).toBeGreaterThan(1);
    disk.restore();
    disk = null;
    expect(tf.memory().numTensors).toBe(before);

    // The stored record still names epoch 1's checkpoint (its `failed` status could not be written
    // either: it reads as interrupted).
    const kept = await loadRun(stopped.id);
    expect(kept).toMatchObject({ epochsDone: 1, checkpoints: stopped.checkpoints });
    expect(kept?.history).toHaveLength(1);

    // A disk with room for the small run record but not for a model: the run is marked failed,
    // with the message, and still at epoch 1.
    disk = fillDiskAfter(0, ['models_store', 'model_info_store', 'run-data']);
    await expect(
      trainSegNet({ preset: 'quick', resumeRunId: stopped.id }, 'cpu', () => undefined, {
        stopped: false,
      }),
    ).rejects.toThrow(/storage for this site is full/);
    disk.restore();
    disk = null;
    const failed = await loadRun(stopped.id);
    expect(failed).toMatchObject({
      status: 'failed',
      epochsDone: 1,
      bestEpoch: stopped.bestEpoch,
      checkpoints: stopped.checkpoints,
    });
    expect(failed?.history).toHaveLength(1);
    expect(failed?.error).toMatch(/storage for this site is full.*The last finished epoch is kept/);

    // With space again the run resumes from epoch 1's checkpoint.
    const again = stopAfterAnEpoch();
    const resumed = await trainSegNet(
      { preset: 'quick', resumeRunId: stopped.id },
      'cpu',
      again.report,
      again.signal,
    );
    expect(resumed).toMatchObject({ status: 'stopped', epochsDone: 2 });
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1]);
  });
});
