/**
 * Classification metrics (pure TypeScript, no tfjs): the 3x3 confusion matrix of argmax decisions,
 * the melanoma-vs-rest confusion of `p_melanoma >= threshold` decisions, and the figures read from
 * it. A figure whose denominator is 0 is null, never NaN; each doc comment says when.
 */
import { CLASSES } from '../dataset/types.ts';

/** A binary confusion matrix `[[tn, fp], [fn, tp]]`: rows true class (negative, positive). */
export type BinaryConfusion = [[number, number], [number, number]];

/** Index of the largest of `length` values starting at `offset`; the first one on ties (NumPy). */
export function argmax(values: ArrayLike<number>, offset = 0, length = values.length): number {
  let best = 0;
  for (let c = 1; c < length; c++) {
    if ((values[offset + c] as number) > (values[offset + best] as number)) best = c;
  }
  return best;
}

/**
 * The 3x3 confusion matrix: `matrix[true][predicted]` counts images, rows and columns in CLASSES
 * order (nevus, melanoma, seborrheic keratosis); the prediction is the class of highest
 * probability. `probabilities` holds `labels.length * 3` values, one row per image.
 */
export function confusionMatrix(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
): number[][] {
  const classes = CLASSES.length;
  if (probabilities.length !== labels.length * classes) {
    throw new RangeError(
      `confusionMatrix: ${labels.length} labels need ${labels.length * classes} probabilities, ` +
        `got ${probabilities.length}`,
    );
  }
  const matrix = CLASSES.map(() => CLASSES.map(() => 0));
  labels.forEach((label, i) => {
    const row = matrix[label];
    if (row === undefined || !Number.isInteger(label)) {
      throw new RangeError(`confusionMatrix: label ${label} is not a class index`);
    }
    const predicted = argmax(probabilities, i * classes, classes);
    row[predicted] = (row[predicted] as number) + 1;
  });
  return matrix;
}

/** Multi-class (argmax) accuracy: the diagonal over the total; null with no images. */
export function argmaxAccuracy(matrix: readonly (readonly number[])[]): number | null {
  let correct = 0;
  let total = 0;
  matrix.forEach((row, t) =>
    row.forEach((count, p) => {
      total += count;
      if (t === p) correct += count;
    }),
  );
  return total === 0 ? null : correct / total;
}

/**
 * Binary decisions `score >= threshold` (default 0.5) against the truth, as `[[tn, fp], [fn, tp]]`
 * (scikit-learn's `confusion_matrix(y_true, y_pred)` with labels [0, 1]).
 */
export function binaryConfusion(
  positive: readonly boolean[],
  scores: ArrayLike<number>,
  threshold = 0.5,
): BinaryConfusion {
  if (positive.length !== scores.length) {
    throw new Error(`binaryConfusion: ${positive.length} labels but ${scores.length} scores`);
  }
  if (Number.isNaN(threshold)) throw new RangeError('binaryConfusion: the threshold is NaN');
  const c: BinaryConfusion = [
    [0, 0],
    [0, 0],
  ];
  positive.forEach((isPositive, i) => {
    const row = isPositive ? c[1] : c[0];
    row[(scores[i] as number) >= threshold ? 1 : 0]++;
  });
  return c;
}

/** Sensitivity (recall, true-positive rate) tp / (tp + fn); null with no positives. */
export function sensitivity([, [fn, tp]]: BinaryConfusion): number | null {
  return tp + fn === 0 ? null : tp / (tp + fn);
}

/** Specificity (true-negative rate) tn / (tn + fp); null with no negatives. */
export function specificity([[tn, fp]]: BinaryConfusion): number | null {
  return tn + fp === 0 ? null : tn / (tn + fp);
}

/**
 * Precision (positive predictive value) tp / (tp + fp); null when nothing is called positive
 * (scikit-learn returns 0 there, with a warning).
 */
export function precision([[, fp], [, tp]]: BinaryConfusion): number | null {
  return tp + fp === 0 ? null : tp / (tp + fp);
}

/**
 * F1 = 2tp / (2tp + fp + fn), the harmonic mean of precision and recall (0 when tp = 0 but some
 * image is a positive or called one, as scikit-learn gives); null when tp + fp + fn = 0 (no
 * positives and none called positive; scikit-learn returns 0 there, with a warning).
 */
export function f1Score([[, fp], [fn, tp]]: BinaryConfusion): number | null {
  return tp + fp + fn === 0 ? null : (2 * tp) / (2 * tp + fp + fn);
}

/** Binary accuracy (tn + tp) / all of the thresholded decisions; null with no images. */
export function binaryAccuracy([[tn, fp], [fn, tp]]: BinaryConfusion): number | null {
  const total = tn + fp + fn + tp;
  return total === 0 ? null : (tn + tp) / total;
}

/**
 * Balanced accuracy, the mean of sensitivity and specificity; null unless both classes are present
 * (scikit-learn warns and averages the recall of the classes present instead).
 */
export function balancedAccuracy(c: BinaryConfusion): number | null {
  const tpr = sensitivity(c);
  const tnr = specificity(c);
  return tpr === null || tnr === null ? null : (tpr + tnr) / 2;
}

/**
 * The highest threshold whose decisions `score >= threshold` reach sensitivity >= `target` (for
 * example 0.95): always the score of a positive sample. Null with no positives. `target` must lie
 * in (0, 1]; every threshold reaches a target of 0.
 */
export function thresholdForSensitivity(
  positive: readonly boolean[],
  scores: ArrayLike<number>,
  target: number,
): number | null {
  if (positive.length !== scores.length) {
    throw new Error(
      `thresholdForSensitivity: ${positive.length} labels but ${scores.length} scores`,
    );
  }
  if (!(target > 0 && target <= 1)) {
    throw new RangeError(`thresholdForSensitivity: target ${target} is not in (0, 1]`);
  }
  const positives = positive.flatMap((isPositive, i) => (isPositive ? [scores[i] as number] : []));
  if (positives.some(Number.isNaN)) throw new RangeError('thresholdForSensitivity: NaN score');
  positives.sort((a, b) => b - a);
  // Each distinct score, highest first, calls every positive at or above it.
  for (let k = 0; k < positives.length; k++) {
    const score = positives[k] as number;
    if (positives[k + 1] === score) continue;
    if ((k + 1) / positives.length >= target) return score;
  }
  return null;
}
