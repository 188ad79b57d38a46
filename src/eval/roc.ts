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
