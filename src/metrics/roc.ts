/**
 * ROC analysis of one class against the rest, matching scikit-learn: the curve's points
 * (`roc_curve`), the area under it (`roc_auc_score`) and the trapezoid area of any curve (`auc`).
 * Pure TypeScript, no tfjs.
 */

/**
 * Area under the ROC curve for one class against the rest, as scikit-learn's `roc_auc_score`
 * computes it: tied scores form one step of the curve (a diagonal), which equals the Mann-Whitney
 * statistic with average ranks. Undefined (null) unless both classes are present. Pure.
 */
export function rocAuc(positive: readonly boolean[], scores: readonly number[]): number | null {
  if (positive.length !== scores.length) {
    throw new Error(`rocAuc: ${positive.length} labels but ${scores.length} scores`);
  }
  const order = scores
    .map((_, i) => i)
    .sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  // Average rank (1-based) over each run of tied scores.
  for (let start = 0; start < order.length;) {
    let end = start;
    while (
      end + 1 < order.length &&
      scores[order[end + 1] as number] === scores[order[start] as number]
    )
      end++;
    const rank = (start + end + 2) / 2;
    for (let k = start; k <= end; k++) {
      if (positive[order[k] as number]) {
        positives++;
        rankSum += rank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** The ROC curve of one class against the rest, as scikit-learn's `roc_curve` returns it. */
export interface RocCurve {
  /** False-positive rate at each threshold, rising from 0 to 1. */
  fpr: number[];
  /** True-positive rate (sensitivity) at each threshold, rising from 0 to 1. */
  tpr: number[];
  /** Descending; the first is +Infinity (nothing called positive: the point (0, 0)). */
  thresholds: number[];
}

export interface RocCurveOptions {
  /**
   * Drop thresholds whose point lies on the straight line between its neighbours, as
   * scikit-learn's default `drop_intermediate=True` does (same rule: a point is kept where the
   * second difference of the false- or true-positive counts is non-zero, and always the first and
   * last). The area is unchanged. Default false: every distinct score keeps its point, as with
   * `drop_intermediate=False`.
   */
  dropIntermediate?: boolean;
}

/**
 * ROC points of `scores` for the `positive` class, one per distinct score (tied scores form one
 * step), thresholds descending from +Infinity; a sample counts as positive when its score is
 * >= the threshold. Equals scikit-learn's `roc_curve(y_true, y_score, drop_intermediate=False)`,
 * or its default with `dropIntermediate: true`. Null unless both classes are present, where
 * scikit-learn warns and returns NaN rates. Throws on NaN scores, as scikit-learn does.
 */
export function rocCurve(
  positive: readonly boolean[],
  scores: readonly number[],
  options: RocCurveOptions = {},
): RocCurve | null {
  let { tps, fps, thresholds } = thresholdCounts(positive, scores, 'rocCurve');
  const positives = tps.at(-1) ?? 0;
  const negatives = fps.at(-1) ?? 0;
  if (positives === 0 || negatives === 0) return null;
  if (options.dropIntermediate && fps.length > 2) {
    const bend = (counts: readonly number[], j: number) =>
      (counts[j - 1] as number) - 2 * (counts[j] as number) + (counts[j + 1] as number) !== 0;
    const last = fps.length - 1;
    const kept = fps
      .map((_, j) => j)
      .filter((j) => j === 0 || j === last || bend(fps, j) || bend(tps, j));
    const pick = (values: readonly number[]) => kept.map((j) => values[j] as number);
    [fps, tps, thresholds] = [pick(fps), pick(tps), pick(thresholds)];
  }
  return {
    fpr: [0, ...fps.map((f) => f / negatives)],
    tpr: [0, ...tps.map((t) => t / positives)],
    thresholds: [Infinity, ...thresholds],
  };
}

/** Area under a curve by the trapezoid rule (scikit-learn's `auc`), x ascending. */
export function curveArea({ fpr, tpr }: RocCurve): number {
  let area = 0;
  for (let k = 1; k < fpr.length; k++) {
    const dx = (fpr[k] as number) - (fpr[k - 1] as number);
    area += (dx * ((tpr[k] as number) + (tpr[k - 1] as number))) / 2;
  }
  return area;
}

/**
 * Cumulative true and false positives at each distinct score, scores descending, counted at the
 * last sample of each run of tied scores (scikit-learn's `_binary_clf_curve`): the counts the ROC
 * and precision-recall curves are made of. `caller` names the function in error messages.
 */
export function thresholdCounts(
  positive: readonly boolean[],
  scores: readonly number[],
  caller: string,
): { tps: number[]; fps: number[]; thresholds: number[] } {
  if (positive.length !== scores.length) {
    throw new Error(`${caller}: ${positive.length} labels but ${scores.length} scores`);
  }
  if (scores.some(Number.isNaN)) throw new RangeError(`${caller}: the scores contain NaN`);
  const order = scores
    .map((_, i) => i)
    .sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const tps: number[] = [];
  const fps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  order.forEach((i, k) => {
    if (positive[i]) tp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      tps.push(tp);
      fps.push(k + 1 - tp);
      thresholds.push(scores[i] as number);
    }
  });
  return { tps, fps, thresholds };
}
