import '../training/browserLike.testSetup.ts';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getImages, getMasked, loadMaskingSummary } from '../dataset/storage.ts';
import { fillDiskAfter, type FullDisk } from '../storage/testQuota.ts';
import { squareLesion, storeDataset } from '../loader/testLesions.ts';
import { LESION_MEASURES, lesionMeasures } from '../metrics/lesion/measures.ts';
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
/** Masks every image with its ground truth, cut to the lesion or not. */
const maskAll = (crop: boolean) =>
  applyMasks({ kind: 'truth' }, { crop }, 'cpu', () => undefined, noStop);

describe('masking on a full disk', () => {
  it('stops with a message, removes its partial masked images and keeps the dataset', async () => {
    // Room for one batch of 16 masked images, not for the rest.
    disk = fillDiskAfter(16, ['masked']);
    const failure = maskAll(true);
    await expect(failure).rejects.toThrow(
      /storage for this site is full.*The dataset and the runs are kept; this pass's masked images were removed/,
    );
    disk.restore();
    disk = null;
    expect((await getMasked(KEYS)).every((r) => r === undefined)).toBe(true);
    expect(await loadMaskingSummary()).toBeUndefined();
    expect((await getImages(KEYS)).every((r) => r?.pixels.length === SIZE * SIZE * 3)).toBe(true);

    // With space again the same pass completes.
    const { summary } = await maskAll(true);
    expect(summary?.images).toHaveLength(KEYS.length);
    expect((await getMasked(KEYS)).every((r) => r !== undefined)).toBe(true);
  });
});

describe('masking with and without the lesion crop', () => {
  it('cuts each image to its lesion square, or keeps the whole frame, as asked', async () => {
    const whole = await maskAll(false);
    expect(whole.summary?.crop).toBe(false);
    const [plain] = await getMasked([KEYS[0] as string]);
    expect(plain?.box).toBeUndefined();
    // The 8 x 8 lesion of 16 x 16 stays where it was: a quarter of the frame.
    const litWhole = plain ? plain.pixels.filter((v, i) => i % 3 === 0 && v > 0).length : 0;
    expect(litWhole).toBe(64);
    // Each lesion is measured on its mask: the 8 x 8 square is a quarter of the frame.
    const measured = whole.summary?.images[0]?.measures;
    expect(measured?.[LESION_MEASURES.indexOf('area')]).toBe(0.25);
    expect(measured).toEqual(
      lesionMeasures(
        (await getImages([KEYS[0] as string]))[0]?.pixels ?? new Uint8Array(),
        plain?.mask ?? new Uint8Array(),
        SIZE,
      ),
    );

    const cropped = await maskAll(true);
    expect(cropped.summary?.crop).toBe(true);
    const [zoomed] = await getMasked([KEYS[0] as string]);
    expect(zoomed?.box).toEqual({ x: 0, y: 0, side: 8 * 1.2 });
    // The lesion now fills all but the margin; the mask kept is still the whole frame's.
    const litCrop = zoomed ? zoomed.pixels.filter((v, i) => i % 3 === 0 && v > 100).length : 0;
    expect(litCrop).toBeGreaterThan(SIZE * SIZE * 0.6);
    expect(zoomed?.mask.filter((v) => v > 0).length).toBe(64);
  });
});
