import './browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRun, loadRunState, previewsKey, type SegNetPreviews } from '../runs/runs.ts';
import { trainSegNet, type SegNetProgress } from './segnetTraining.ts';
import { squareLesion, storeDataset } from '../loader/testLesions.ts';

const SIZE = 16;

/** Stops the run once the epoch with this index has been reported. */
function stopAfterEpoch(epoch: number) {
  const signal = { stopped: false };
  const epochs: number[] = [];
  const report = (progress: SegNetProgress) => {
    if (progress.kind !== 'epoch') return;
    epochs.push(progress.figures.epoch);
    if (progress.figures.epoch >= epoch) signal.stopped = true;
  };
  return { signal, report, epochs };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  // The quick preset's batch is 16: 16 training images make one batch per epoch.
  const all = Array.from({ length: 20 }, (_, n) => squareLesion(n, SIZE, n < 16 ? 'train' : 'val'));
  await storeDataset(all, SIZE);
});

describe('trainSegNet', () => {
  it('stops after a finished epoch, then resumes the same run where it stopped', async () => {
    const before = tf.memory().numTensors;
    const first = stopAfterEpoch(1);
    const stopped = await trainSegNet({ preset: 'quick' }, 'cpu', first.report, first.signal);
    expect(first.epochs).toEqual([0, 1]);
    expect(stopped).toMatchObject({ status: 'stopped', epochsDone: 2, preset: 'quick' });
    expect(stopped.images).toEqual({ train: 16, val: 4 });
    expect(stopped.history.map((h) => h.epoch)).toEqual([0, 1]);
    expect(tf.memory().numTensors).toBe(before);
    const previews = await loadRunState<SegNetPreviews>(previewsKey(stopped.id));
    expect(previews?.epoch).toBe(1);
    expect(previews?.items.map((i) => i.key)).toEqual(['isic_16', 'isic_17', 'isic_18', 'isic_19']);
    expect(previews?.items[0]?.predicted.length).toBe(24 * 24);

    const second = stopAfterEpoch(2);
    const resumed = await trainSegNet(
      { preset: 'quick', resumeRunId: stopped.id },
      'cpu',
      second.report,
      second.signal,
    );
    expect(second.epochs).toEqual([2]);
    expect(resumed.id).toBe(stopped.id);
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    expect(resumed.history.slice(0, 2)).toEqual(stopped.history);
    expect(resumed.trainSeconds).toBeGreaterThan(stopped.trainSeconds);
    expect((await loadRun(stopped.id))?.epochsDone).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses to resume a run that has no finished epoch', async () => {
    const signal = { stopped: true };
    const run = await trainSegNet({ preset: 'quick' }, 'cpu', () => undefined, signal);
    expect(run).toMatchObject({ status: 'stopped', epochsDone: 0 });
    await expect(
      trainSegNet({ preset: 'quick', resumeRunId: run.id }, 'cpu', () => undefined, signal),
    ).rejects.toThrow('has no finished epoch to resume from');
  });
});
