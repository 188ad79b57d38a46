/**
 * The SegNet's training loss and metrics on tensors (inside the worker): soft Dice loss, and Dice
 * and Jaccard of the masks thresholded at 0.5, per image and averaged over the batch.
 * Shapes: yTrue and yPred [batch, h, w, 1], values in 0..1.
 */
import * as tf from '@tensorflow/tfjs';
import { SEGNET_METRICS } from '../runs/runs.ts';

/** Added to numerator and denominator: an empty prediction of an empty mask scores 1, not NaN. */
const SMOOTH = 1;

/** 1 - soft Dice, per image, averaged over the batch. */
export function diceLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const axes = [1, 2, 3];
    const intersection = tf.sum(tf.mul(yTrue, yPred), axes);
    const sums = tf.add(tf.sum(yTrue, axes), tf.sum(yPred, axes));
    const dice = tf.div(tf.add(tf.mul(intersection, 2), SMOOTH), tf.add(sums, SMOOTH));
    return tf.sub(1, tf.mean(dice)) as tf.Scalar;
  });
}

/** Dice of the thresholded masks, per image, averaged (an empty pair counts 1). */
export function diceCoefficient(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { intersection, sums } = hardOverlap(yTrue, yPred);
    const score = tf.where(
      tf.equal(sums, 0),
      tf.onesLike(sums),
      tf.div(tf.mul(intersection, 2), sums),
    );
    return tf.mean(score) as tf.Scalar;
  });
}

/** Jaccard of the thresholded masks, per image, averaged (an empty pair counts 1). */
export function jaccardIndex(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const { intersection, sums } = hardOverlap(yTrue, yPred);
    const union = tf.sub(sums, intersection);
    const score = tf.where(tf.equal(union, 0), tf.onesLike(union), tf.div(intersection, union));
    return tf.mean(score) as tf.Scalar;
  });
}

function hardOverlap(
  yTrue: tf.Tensor,
  yPred: tf.Tensor,
): { intersection: tf.Tensor; sums: tf.Tensor } {
  const axes = [1, 2, 3];
  const t = tf.cast(tf.greaterEqual(yTrue, 0.5), 'float32');
  const p = tf.cast(tf.greaterEqual(yPred, 0.5), 'float32');
  return {
    intersection: tf.sum(tf.mul(t, p), axes),
    sums: tf.add(tf.sum(t, axes), tf.sum(p, axes)),
  };
}

// tfjs names a metric by its function's name, which a minifier may shorten: fix the names.
Object.defineProperty(diceCoefficient, 'name', { value: SEGNET_METRICS.dice });
Object.defineProperty(jaccardIndex, 'name', { value: SEGNET_METRICS.jaccard });
