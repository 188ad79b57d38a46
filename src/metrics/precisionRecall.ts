/**
 * Precision and recall of one class against the rest, matching scikit-learn: the curve
 * (`precision_recall_curve` with `drop_intermediate=False`) and the average precision
 * (`average_precision_score`). Where melanoma is rare, these show what the ROC curve hides: how many
 * of the images called melanoma are melanoma. Pure TypeScript, no tfjs.
 */
import { thresholdCounts } from './roc.ts';

/** The curve as scikit-learn returns it: thresholds ascending, recall falling to a last 0. */
export interface PrecisionRecallCurve {
  /** Share of the images at or above each threshold that are positive; a last 1 (no threshold). */
  precision: number[];
  /** Share of the positives at or above each threshold; a last 0 (no threshold). */
  recall: number[];
  /** The distinct scores, ascending; one fewer than the points. */
  thresholds: number[];
}

/**
 * The precision-recall curve of `scores` for the `positive` class; a sample counts as positive when
 * its score is >= the threshold. Null without any positive (scikit-learn warns and sets recall to
 * 1). Throws on NaN scores.
 */
export function precisionRecallCurve(
  positive: readonly boolean[],
  scores: readonly number[],
): PrecisionRecallCurve | null {
  const { tps, fps, thresholds } = thresholdCounts(positive, scores, 'precisionRecall');
  const positives = tps.at(-1) ?? 0;
  if (positives === 0) return null;
  // Every threshold has at least one sample at or above it, so tp + fp > 0.
  const precision = tps.map((tp, k) => tp / (tp + (fps[k] as number)));
  const recall = tps.map((tp) => tp / positives);
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: thresholds.reverse(),
  };
}

/**
 * Average precision, as scikit-learn's `average_precision_score`: the sum over thresholds, highest
 * first, of (R_n − R_{n−1}) P_n, a step function with no interpolation (tied scores are one
 * threshold). Null without any positive; 1 when every sample is positive.
 */
export function averagePrecision(
  positive: readonly boolean[],
  scores: readonly number[],
): number | null {
  const curve = precisionRecallCurve(positive, scores);
  if (!curve) return null;
  const { precision, recall } = curve;
  let ap = 0;
  for (let n = 0; n + 1 < recall.length; n++) {
    ap += ((recall[n] as number) - (recall[n + 1] as number)) * (precision[n] as number);
  }
  return ap;
}
