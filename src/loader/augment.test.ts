import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentImages, augmentPair, transformMatrices } from './augment.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** An L-shaped lesion (no symmetry, so every rotation and flip shows) painted into image and mask. */
function pair(size: number, count: number): { images: tf.Tensor4D; masks: tf.Tensor4D } {
  const mask = tf.buffer([count, size, size, 1]);
  for (let n = 0; n < count; n++) {
    for (let y = 3; y < 13; y++) mask.set(1, n, y, 4, 0);
    for (let x = 4; x < 9; x++) mask.set(1, n, 12, x, 0);
    for (let y = 4; y < 8; y++) for (let x = 8; x < 12; x++) mask.set(1, n, y, x, 0);
  }
  return tf.tidy(() => {
    const masks = mask.toTensor() as tf.Tensor4D;
    return {
      masks,
      images: tf.concat([masks, tf.mul(masks, 0.5), tf.sub(1, masks)], 3) as tf.Tensor4D,
    };
  });
}

describe('augmentPair', () => {
  it('moves image and mask together under rotations and flips', () => {
    const { images, masks } = pair(16, 8);
    const out = augmentPair(images, masks, { rotate90: true, flip: true, shear: 0 }, 7);
    // Without shear every transform maps pixels onto pixels: the image's lesion channel is the mask.
    const lesion = tf.tidy(() => tf.slice(out.images, [0, 0, 0, 0], [-1, -1, -1, 1]));
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(lesion, out.masks))).dataSync()[0])).toBeLessThan(
      1e-5,
    );
    // The transforms changed something, and kept the lesion's area.
    expect(tf.tidy(() => tf.sum(tf.abs(tf.sub(out.masks, masks))).dataSync()[0])).toBeGreaterThan(
      0,
    );
    expect(tf.tidy(() => tf.sum(out.masks).dataSync()[0])).toBe(
      tf.tidy(() => tf.sum(masks).dataSync()[0]),
    );
    tf.dispose([images, masks, out.images, out.masks, lesion]);
  });

  it('keeps them aligned under shear, the mask binary, and leaks no tensor', () => {
    const { images, masks } = pair(16, 4);
    const before = tf.memory().numTensors;
    const out = augmentPair(images, masks, { rotate90: true, flip: true, shear: 0.2 }, 3);
    expect(tf.memory().numTensors).toBe(before + 2);
    const values = out.masks.dataSync();
    expect(values.every((v) => v === 0 || v === 1)).toBe(true);
    // Bilinear photo vs nearest mask: they agree everywhere but on a few edge pixels.
    const agreement = tf.tidy(() => {
      const lesion = tf.greater(tf.slice(out.images, [0, 0, 0, 0], [-1, -1, -1, 1]), 0.5);
      return tf
        .mean(tf.cast(tf.equal(lesion, tf.greater(out.masks, 0.5)), 'float32'))
        .dataSync()[0];
    });
    expect(agreement).toBeGreaterThan(0.98);
    tf.dispose([images, masks, out.images, out.masks]);
  });

  it('draws the same transforms for the same seed, and only those asked for', () => {
    expect(transformMatrices(4, 16, { rotate90: true, flip: true, shear: 0.2 }, 1)).toEqual(
      transformMatrices(4, 16, { rotate90: true, flip: true, shear: 0.2 }, 1),
    );
    const identity = [1, 0, 0, 0, 1, 0, 0, 0];
    expect(transformMatrices(3, 16, { rotate90: false, flip: false, shear: 0 }, 1)).toEqual([
      identity,
      identity,
      identity,
    ]);
  });
});

describe('augmentImages', () => {
  it('crops inside the image, jitters colour within bounds, keeps black black, and leaks nothing', () => {
    const { images } = pair(16, 6);
    const before = tf.memory().numTensors;
    const options = { rotate90: true, flip: true, shear: 0, crop: 0.7, colorJitter: 0.1 };
    const out = augmentImages(images, options, 11);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(out.shape).toEqual([6, 16, 16, 3]);
    const values = out.dataSync();
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    // A crop zooms in: the lesion channel covers at least as much as before, never less.
    const area = (t: tf.Tensor) =>
      tf.tidy(() =>
        tf.sum(tf.greater(tf.slice(t, [0, 0, 0, 0], [-1, -1, -1, 1]), 0.5)).arraySync(),
      );
    expect(area(out)).toBeGreaterThanOrEqual(area(images) as number);
    // Where the photo is black in every channel (nowhere here), gains cannot lift it; check on zeros.
    const black = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    const jittered = augmentImages(black, options, 5);
    expect(tf.tidy(() => tf.max(jittered).dataSync()[0])).toBe(0);
    // The crop stays inside: every sampled coordinate of a corner lies in the image.
    for (const m of transformMatrices(50, 16, options, 2)) {
      for (const [x, y] of [
        [0, 0],
        [15, 15],
      ] as const) {
        const u = (m[0] as number) * x + (m[1] as number) * y + (m[2] as number);
        const v = (m[3] as number) * x + (m[4] as number) * y + (m[5] as number);
        expect(u).toBeGreaterThanOrEqual(-1e-9);
        expect(u).toBeLessThanOrEqual(15 + 1e-9);
        expect(v).toBeGreaterThanOrEqual(-1e-9);
        expect(v).toBeLessThanOrEqual(15 + 1e-9);
      }
    }
    tf.dispose([images, out, black, jittered]);
  });
});

describe('rotation by any angle', () => {
  it('draws rotations of every angle, each a rotation about the centre', () => {
    const matrices = transformMatrices(
      200,
      17,
      { rotate90: true, rotate: true, shear: 0, flip: true },
      9,
    );
    const angles = matrices.map((m) => {
      const [a00, a01, , a10, a11] = m as [number, number, number, number, number];
      // Orthogonal with determinant ±1 (a flip may come with it): no scale, no shear.
      expect(a00 * a00 + a10 * a10).toBeCloseTo(1, 9);
      expect(a00 * a01 + a10 * a11).toBeCloseTo(0, 9);
      expect(Math.abs(a00 * a11 - a01 * a10)).toBeCloseTo(1, 9);
      // The centre stays where it is.
      const c = 8;
      expect((m[0] as number) * c + (m[1] as number) * c + (m[2] as number)).toBeCloseTo(c, 9);
      return Math.atan2(a10, a00);
    });
    // Not only quarter turns: many angles, spread over the circle.
    const offQuarter = angles.filter((a) => Math.abs(Math.sin(2 * a)) > 0.2);
    expect(offQuarter.length).toBeGreaterThan(100);
    const quadrants = new Set(angles.map((a) => Math.floor(((a + Math.PI) / (2 * Math.PI)) * 4)));
    expect(quadrants.size).toBe(4);
  });
});
