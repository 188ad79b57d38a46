import '../training/browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getImages, getMasked, loadMaskingSummary } from '../dataset/storage.ts';
import { fillDiskAfter, type FullDisk } from '../storage/testQuota.ts';
import { squareLesion, storeDataset } from '../loader/testLesions.ts';
import { applyMasks } from './apply.ts';

const SIZE = 16;
const KEYS = Array.from({ length: 40 }, (_, n) => `isic_${n}`);

let disk: FullDisk | null = null;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const all = KEYS.map((_, n) => squareLesion(n, SIZE, n < 30 ? 'train' : 'val'));
  await storeDataset(all, SIZE);
});

afterEach(() => {
  disk?.restore();
  disk = null;
});

const noStop = { stopped: false };

describe('masking on a full disk', () => {
  it('stops with a message, removes its partial masked images and keeps the dataset', async () => {
    // Room for one batch of 16 masked images, not for the rest.
    disk = fillDiskAfter(16, ['masked']);
    const failure = applyMasks({ kind: 'truth' }, 'cpu', () => undefined, noStop);
    await expect(failure).rejects.toThrow(
      /storage for this site is full.*The dataset and the runs are kept; this pass's masked images were removed/,
    );
    disk.restore();
    disk = null;
    expect((await getMasked(KEYS)).every((r) => r === undefined)).toBe(true);
    expect(await loadMaskingSummary()).toBeUndefined();
    expect((await getImages(KEYS)).every((r) => r?.pixels.length === SIZE * SIZE * 3)).toBe(true);

    // With space again the same pass completes.
    const { summary } = await applyMasks({ kind: 'truth' }, 'cpu', () => undefined, noStop);
    expect(summary?.images).toHaveLength(KEYS.length);
    expect((await getMasked(KEYS)).every((r) => r !== undefined)).toBe(true);
  });
});
