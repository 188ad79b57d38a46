/**
 * Augmentation that moves an image and its mask together: per sample, a random 90° rotation, a
 * horizontal flip and a shear (the seed's rotation and shear, plus flips), as one projective
 * transform applied to both on the backend (`tf.image.transform`): bilinear for the photo,
 * nearest for the mask so it stays binary. Images must be square. Draws are seeded.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../lib/random.ts';

export interface AugmentOptions {
  /** Rotate by a random multiple of 90°. */
  rotate90: boolean;
  /** Maximum shear factor; each sample draws one uniformly in [-shear, shear]. */
  shear: number;
  /** Flip horizontally half the time. */
  flip: boolean;
}

/**
 * One transform per sample, as tfjs's 8 projective parameters mapping each output pixel to the input
 * pixel it samples: input = A (output - centre) + centre, with A = rotation · flip · shear.
 */
export function transformMatrices(
  count: number,
  size: number,
  options: AugmentOptions,
  seed: number,
): number[][] {
  const random = new Random(seed);
  const centre = (size - 1) / 2;
  return Array.from({ length: count }, () => {
    const quarterTurns = options.rotate90 ? random.int(0, 3) : 0;
    const flip = options.flip && random.next() < 0.5 ? -1 : 1;
    const shear = options.shear > 0 ? random.uniform(-options.shear, options.shear) : 0;
    const cos = [1, 0, -1, 0][quarterTurns] as number;
    const sin = [0, 1, 0, -1][quarterTurns] as number;
    // rotation [[cos, -sin], [sin, cos]] · flip diag(flip, 1) · shear [[1, shear], [0, 1]]
    const a00 = cos * flip;
    const a01 = cos * flip * shear - sin;
    const a10 = sin * flip;
    const a11 = sin * flip * shear + cos;
    return [
      a00,
      a01,
      centre - a00 * centre - a01 * centre,
      a10,
      a11,
      centre - a10 * centre - a11 * centre,
      0,
      0,
    ];
  });
}

/** Images [b, s, s, 3] and masks [b, s, s, 1] in, both transformed alike out. */
export function augmentPair(
  images: tf.Tensor4D,
  masks: tf.Tensor4D,
  options: AugmentOptions,
  seed: number,
): { images: tf.Tensor4D; masks: tf.Tensor4D } {
  const [count, height, width] = images.shape;
  if (height !== width) throw new Error(`Augmentation needs square images, got ${width}x${height}`);
  return tf.tidy(() => {
    const matrices = transformMatrices(count, width, options, seed);
    if (tf.getBackend() !== 'cpu') {
      // One call for the whole batch: two kernel launches instead of several per sample.
      const transforms = tf.tensor2d(matrices, [count, 8]);
      return {
        images: tf.image.transform(images, transforms, 'bilinear', 'constant', 0),
        masks: tf.image.transform(masks, transforms, 'nearest', 'constant', 0),
      };
    }
    // One sample at a time: with several matrices in one call, tfjs 4.22's cpu Transform kernel
    // leaves every sample after the first blank (augment.test.ts caught it).
    const imageList: tf.Tensor4D[] = [];
    const maskList: tf.Tensor4D[] = [];
    matrices.forEach((matrix, n) => {
      const transform = tf.tensor2d([matrix], [1, 8]);
      const image = tf.slice(images, [n, 0, 0, 0], [1, -1, -1, -1]);
      const mask = tf.slice(masks, [n, 0, 0, 0], [1, -1, -1, -1]);
      imageList.push(tf.image.transform(image, transform, 'bilinear', 'constant', 0));
      maskList.push(tf.image.transform(mask, transform, 'nearest', 'constant', 0));
    });
    return { images: tf.concat(imageList, 0), masks: tf.concat(maskList, 0) };
  });
}
