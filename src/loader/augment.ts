/**
 * Augmentation on the backend, seeded. For the SegNet, an image and its mask move together: per
 * sample a random 90° rotation, a horizontal flip and a shear (the seed's rotation and shear, plus
 * flips), as one projective transform applied to both (`tf.image.transform`): bilinear for the
 * photo, nearest for the mask so it stays binary. For the classifier, photos alone: rotations,
 * flips, a random crop zoomed back to full size, a rotation by any angle where asked, and a small
 * per-channel colour gain. Images must
 * be square.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../lib/random.ts';

export interface AugmentOptions {
  /** Rotate by a random multiple of 90°. */
  rotate90: boolean;
  /** Rotate by a random angle instead (any, uniformly); the corners come in as zeros. */
  rotate?: boolean;
  /** Maximum shear factor; each sample draws one uniformly in [-shear, shear]. */
  shear: number;
  /** Flip horizontally half the time. */
  flip: boolean;
  /** Smallest fraction of the edge a random crop keeps (zoomed back to full size); 1 or unset: none. */
  crop?: number;
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
    const angle = options.rotate ? random.uniform(0, 2 * Math.PI) : (quarterTurns * Math.PI) / 2;
    const flip = options.flip && random.next() < 0.5 ? -1 : 1;
    const shear = options.shear > 0 ? random.uniform(-options.shear, options.shear) : 0;
    const crop = options.crop !== undefined && options.crop < 1;
    // A crop of edge `scale` samples a smaller window somewhere inside the image.
    const scale = crop ? random.uniform(options.crop as number, 1) : 1;
    const room = (1 - scale) * centre;
    const dx = crop ? random.uniform(-room, room) : 0;
    const dy = crop ? random.uniform(-room, room) : 0;
    // Exact for quarter turns, so 90° rotations stay lossless.
    const cos = options.rotate ? Math.cos(angle) : ([1, 0, -1, 0][quarterTurns] as number);
    const sin = options.rotate ? Math.sin(angle) : ([0, 1, 0, -1][quarterTurns] as number);
    // scale · rotation [[cos, -sin], [sin, cos]] · flip diag(flip, 1) · shear [[1, shear], [0, 1]]
    const a00 = scale * cos * flip;
    const a01 = scale * (cos * flip * shear - sin);
    const a10 = scale * sin * flip;
    const a11 = scale * (sin * flip * shear + cos);
    return [
      a00,
      a01,
      centre + dx - a00 * centre - a01 * centre,
      a10,
      a11,
      centre + dy - a10 * centre - a11 * centre,
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
    return {
      images: transformEach(images, matrices, 'bilinear'),
      masks: transformEach(masks, matrices, 'nearest'),
    };
  });
}

export interface ImageAugmentOptions extends AugmentOptions {
  /** Largest per-channel gain change (0.1: ±10%); multiplying keeps a masked-out black black. */
  colorJitter: number;
}

/** Photos [b, s, s, 3] in 0..1 in, transformed and colour-jittered photos out (still in 0..1). */
export function augmentImages(
  images: tf.Tensor4D,
  options: ImageAugmentOptions,
  seed: number,
): tf.Tensor4D {
  const [count, height, width] = images.shape;
  if (height !== width) throw new Error(`Augmentation needs square images, got ${width}x${height}`);
  return tf.tidy(() => {
    const moved = transformEach(images, transformMatrices(count, width, options, seed), 'bilinear');
    if (options.colorJitter <= 0) return moved;
    const random = new Random(seed ^ 0x5bd1e995);
    const gains = Array.from({ length: count * 3 }, () =>
      random.uniform(1 - options.colorJitter, 1 + options.colorJitter),
    );
    return tf.clipByValue(tf.mul(moved, tf.tensor4d(gains, [count, 1, 1, 3])), 0, 1);
  });
}

/** `tf.image.transform` with one matrix per sample. */
function transformEach(
  batch: tf.Tensor4D,
  matrices: number[][],
  interpolation: 'bilinear' | 'nearest',
): tf.Tensor4D {
  if (tf.getBackend() !== 'cpu') {
    // One call for the whole batch: one kernel launch instead of several per sample.
    const transforms = tf.tensor2d(matrices, [matrices.length, 8]);
    return tf.image.transform(batch, transforms, interpolation, 'constant', 0);
  }
  // One sample at a time: with several matrices in one call, tfjs 4.22's cpu Transform kernel
  // leaves every sample after the first blank (augment.test.ts caught it).
  const list = matrices.map((matrix, n) =>
    tf.image.transform(
      tf.slice(batch, [n, 0, 0, 0], [1, -1, -1, -1]),
      tf.tensor2d([matrix], [1, 8]),
      interpolation,
      'constant',
      0,
    ),
  );
  return tf.concat(list, 0);
}
