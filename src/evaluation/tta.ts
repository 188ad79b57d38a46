/**
 * Test-time augmentation: a batch of square images predicted in the 8 views of the dihedral group
 * (the identity, three quarter turns, and the horizontal flip of each), the probabilities averaged.
 * A dermoscopic photo has no up or left, so every view is as valid as the one stored. The views
 * are made with tf.reverse and tf.transpose, which every backend has (webgpu, webgl, wasm, cpu).
 * The identity view is one of the 8, so the plain prediction comes with the average for free.
 * Runs in the compute worker (tfjs).
 */
import * as tf from '@tensorflow/tfjs';
import { threeClassProbabilities } from '../models/densenet.ts';

/** The number of views: 4 rotations, each also flipped. */
export const TTA_VIEWS = 8;

/**
 * View `view` (0..7) of a batch [b, s, s, c]: a quarter turn `view % 4` times, flipped left to
 * right from view 4 on. View 0 is `x` itself (not a copy): call it inside tf.tidy, and never
 * dispose a view apart from the batch.
 */
export function dihedralView(x: tf.Tensor4D, view: number): tf.Tensor4D {
  if (!Number.isInteger(view) || view < 0 || view >= TTA_VIEWS) {
    throw new RangeError(`A dihedral view is 0..${TTA_VIEWS - 1}, got ${view}`);
  }
  const turns = view % 4;
  // A quarter turn is the transpose then a flip (left-right clockwise, top-bottom anticlockwise).
  let y = turns % 2 === 1 ? tf.transpose(x, [0, 2, 1, 3]) : x;
  if (turns === 1) y = tf.reverse(y, 2);
  else if (turns === 2) y = tf.reverse(y, [1, 2]);
  else if (turns === 3) y = tf.reverse(y, 1);
  return view >= 4 ? tf.reverse(y, 2) : y;
}

export interface TtaOutput {
  /** The identity view's probabilities [b, k]. */
  plain: tf.Tensor2D;
  /** The mean of the 8 views' probabilities [b, k]. */
  mean: tf.Tensor2D;
}

/**
 * The 8 views of `x` predicted one after another (each as large as the batch, so memory is that
 * of a plain prediction), and their mean. The caller disposes both outputs, not `x`.
 */
export function predictTta(predict: (x: tf.Tensor4D) => tf.Tensor2D, x: tf.Tensor4D): TtaOutput {
  const plain = tf.tidy(() => predict(x));
  let sum = tf.clone(plain);
  for (let view = 1; view < TTA_VIEWS; view++) {
    const next = tf.tidy(() => tf.add(sum, predict(dihedralView(x, view))) as tf.Tensor2D);
    sum.dispose();
    sum = next;
  }
  const mean = tf.tidy(() => tf.div(sum, TTA_VIEWS) as tf.Tensor2D);
  sum.dispose();
  return { plain, mean };
}

/**
 * A classifier as the predict function predictTta takes (inference mode): the three classes'
 * probabilities, also from a classifier that learned an "other" class.
 */
export const modelPredict =
  (model: tf.LayersModel) =>
  (x: tf.Tensor4D): tf.Tensor2D =>
    tf.tidy(() => threeClassProbabilities(model.predict(x) as tf.Tensor2D));

/**
 * The 8 views of a batch [b, s, s, c] in one batch [8b, s, s, c], view by view: row v·b + i is
 * view v of image i. For a small batch (Diagnose's one photo) predicted in one call.
 */
export function dihedralBatch(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() =>
    tf.concat(
      Array.from({ length: TTA_VIEWS }, (_, view) => dihedralView(x, view)),
      0,
    ),
  );
}

/** The probabilities [8b, k] of dihedralBatch's views as predictTta gives them. */
export function ttaOfBatch(probabilities: tf.Tensor2D): TtaOutput {
  const images = (probabilities.shape[0] as number) / TTA_VIEWS;
  return tf.tidy(() => {
    const byView = tf.reshape(probabilities, [TTA_VIEWS, images, -1]);
    return {
      plain: tf.squeeze(tf.slice(byView, [0, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D,
      mean: tf.mean(byView, 0) as tf.Tensor2D,
    };
  });
}
