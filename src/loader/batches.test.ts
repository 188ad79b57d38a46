import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deleteDataset, putBatch, type ImageRecord, type MaskRecord } from '../dataset/storage.ts';
import {
  epochBatches,
  imageSource,
  inOrderPlan,
  readEpoch,
  segmentationSource,
  shuffledPlan,
  type BatchPlan,
} from './batches.ts';

const SIZE = 8;

/** Image n is filled with the value n*10 in every channel; its mask covers the first n rows. */
function records(n: number): { image: ImageRecord; mask: MaskRecord } {
  const source = {
    id: `ISIC_${n}`,
    source: `x/ISIC_${n}.jpg`,
    width: 64,
    height: 48,
    folderSplit: null,
  };
  const mask = new Uint8Array(SIZE * SIZE);
  mask.fill(255, 0, n * SIZE);
  return {
    image: {
      ...source,
      key: `isic_${n}`,
      size: SIZE,
      pixels: new Uint8Array(SIZE * SIZE * 3).fill(n * 10),
    },
    mask: { ...source, key: `isic_${n}`, size: SIZE, pixels: mask },
  };
}

const KEYS = Array.from({ length: 7 }, (_, n) => `isic_${n}`);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await deleteDataset();
  const all = KEYS.map((_, n) => records(n));
  await putBatch(
    'images',
    all.map((r) => r.image),
    [],
  );
  await putBatch(
    'masks',
    all.map((r) => r.mask),
    [],
  );
});

describe('epochBatches', () => {
  const plan = shuffledPlan(KEYS, 3, segmentationSource(SIZE), 5);

  it('shuffles each epoch with the seed, and drops the smaller last batch when asked', () => {
    const first = epochBatches(plan, 0);
    expect(first.map((b) => b.length)).toEqual([3, 3]);
    expect(epochBatches(plan, 0)).toEqual(first);
    expect(epochBatches(plan, 1)).not.toEqual(first);
    expect(new Set(first.flat()).size).toBe(6);
  });

  it('keeps the order and every image for evaluation', () => {
    const batches = epochBatches(inOrderPlan(KEYS, 3, plan.source), 0);
    expect(batches).toEqual([KEYS.slice(0, 3), KEYS.slice(3, 6), KEYS.slice(6)]);
  });
});

/** The store and key of every record read from IndexedDB from now until the test ends. */
function readsOf(): string[] {
  const reads: string[] = [];
  const { get } = IDBObjectStore.prototype;
  vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(function (
    this: IDBObjectStore,
    key,
  ) {
    reads.push(`${this.name}:${String(key)}`);
    return get.call(this, key);
  });
  return reads;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('readEpoch', () => {
  it('reads images and masks from IndexedDB into tensors at the input size', async () => {
    const plan: BatchPlan = {
      keys: KEYS,
      batchSize: 4,
      source: segmentationSource(SIZE),
      dropRemainder: false,
    };
    const seen: string[] = [];
    for await (const batch of readEpoch(plan, 0)) {
      seen.push(...batch.keys);
      expect(batch.x.shape).toEqual([batch.keys.length, SIZE, SIZE, 3]);
      const x = batch.x.arraySync();
      const y = (batch.y as tf.Tensor4D | undefined)?.arraySync() ?? [];
      batch.keys.forEach((key, i) => {
        const n = Number(key.split('_')[1]);
        expect(x[i]?.[0]?.[0]?.[0]).toBeCloseTo((n * 10) / 255, 6);
        // Mask rows below n are lesion (1), the rest background (0).
        expect(y[i]?.map((row) => row[0]?.[0])).toEqual(
          Array.from({ length: SIZE }, (_, r) => (r < n ? 1 : 0)),
        );
      });
      tf.dispose([batch.x, batch.y as tf.Tensor]);
    }
    expect(seen).toEqual(KEYS);
  });

  it('resizes on the backend to another input size and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const plan: BatchPlan = {
      keys: KEYS,
      batchSize: 7,
      source: segmentationSource(4),
      dropRemainder: true,
    };
    for await (const batch of readEpoch(plan, 0)) {
      expect(batch.x.shape).toEqual([7, 4, 4, 3]);
      expect(batch.y?.shape).toEqual([7, 4, 4, 1]);
      expect(new Set(batch.y?.dataSync())).toEqual(new Set([0, 1]));
      tf.dispose([batch.x, batch.y as tf.Tensor]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps records at the input size: a budget below the stored data still holds them all', async () => {
    // Stored: 7 x (8x8x3 + 8x8) bytes; at 4 px: 7 x (4x4x3 + 4x4), which a 500-byte budget holds.
    const reads = readsOf();
    const plan: BatchPlan = {
      keys: KEYS,
      batchSize: 3,
      source: segmentationSource(4, 500),
      dropRemainder: false,
      shuffleSeed: 2,
    };
    for (const epoch of [0, 1]) {
      for await (const batch of readEpoch(plan, epoch)) tf.dispose([batch.x, batch.y as tf.Tensor]);
    }
    expect(reads.sort()).toEqual(
      [...KEYS.map((k) => `images:${k}`), ...KEYS.map((k) => `masks:${k}`)].sort(),
    );
  });

  it('streams every batch whole with a budget below one record', async () => {
    const plan: BatchPlan = {
      keys: KEYS,
      batchSize: 3,
      source: segmentationSource(SIZE, 10),
      dropRemainder: false,
      shuffleSeed: 3,
    };
    for (const epoch of [0, 1, 2]) {
      const seen: string[] = [];
      for await (const batch of readEpoch(plan, epoch)) {
        const x = batch.x.arraySync();
        batch.keys.forEach((key, i) => {
          expect(x[i]?.[SIZE - 1]?.[SIZE - 1]?.[2]).toBeCloseTo(
            (Number(key.split('_')[1]) * 10) / 255,
            6,
          );
        });
        seen.push(...batch.keys);
        tf.dispose([batch.x, batch.y as tf.Tensor]);
      }
      expect(seen.sort()).toEqual([...KEYS].sort());
    }
  });

  it('names an image missing from storage', async () => {
    const plan: BatchPlan = {
      keys: ['isic_0', 'isic_99'],
      batchSize: 2,
      source: imageSource(SIZE),
      dropRemainder: false,
    };
    await expect(readEpoch(plan, 0).next()).rejects.toThrow(
      /isic_99 is listed in the dataset but could not be read/,
    );
  });
});
