/**
 * Seeded bootstrap confidence interval of a ROC AUC (pure TypeScript, no tfjs): resample the images
 * with replacement, compute the AUC of each resample, and take percentiles of those AUCs.
 */
import { Random } from '../lib/random.ts';

export interface BootstrapOptions {
  /** Resamples drawn, those holding one class only included. Default 1000. */
  resamples?: number;
  /** Seed of the generator: the same seed and data give the same interval. Default 0. */
  seed?: number;
  /** Coverage of the interval. Default 0.95 (the 2.5th and 97.5th percentiles). */
  level?: number;
}

export interface ConfidenceInterval {
  low: number;
  high: number;
  /** Coverage of the interval, e.g. 0.95. */
  level: number;
  /** Resamples whose AUC entered the interval (those holding both classes). */
  resamples: number;
  /** Resamples left out because they held one class only. */
  skipped: number;
}

/**
 * The `q`-quantile (0..1) of ascending `sorted` values, interpolating linearly between the two
 * nearest ranks (NumPy's default `percentile` method).
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('quantile: no values');
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const below = sorted[lo] as number;
  const above = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return below + (h - lo) * (above - below);
}

/**
 * Percentile-bootstrap interval of the AUC of `scores` for the `positive` class: each resample
 * draws n images with replacement from the seeded generator (src/lib/random.ts); resamples holding
 * one class only have no AUC and are skipped, as is usual with scikit-learn. Null when the data
 * hold one class only or no resample held both. Ties count half, as in `rocAuc`, whose value each
 * resample's AUC equals exactly.
 */
export function bootstrapAuc(
  positive: readonly boolean[],
  scores: ArrayLike<number>,
  options: BootstrapOptions = {},
): ConfidenceInterval | null {
  const { resamples = 1000, seed = 0, level = 0.95 } = options;
  const n = positive.length;
  if (scores.length !== n) throw new Error(`bootstrapAuc: ${n} labels but ${scores.length} scores`);
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new RangeError(`bootstrapAuc: resamples must be a positive integer, got ${resamples}`);
  }
  if (!(level > 0 && level < 1)) throw new RangeError(`bootstrapAuc: level ${level} not in (0, 1)`);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number),
  );
  if (order.some((i) => Number.isNaN(scores[i]))) throw new RangeError('bootstrapAuc: NaN score');
  if (!positive.includes(true) || !positive.includes(false)) return null;

  const random = new Random(seed);
  const counts = new Uint32Array(n);
  const aucs: number[] = [];
  for (let r = 0; r < resamples; r++) {
    counts.fill(0);
    for (let k = 0; k < n; k++) {
      const i = random.int(0, n - 1);
      counts[i] = (counts[i] as number) + 1;
    }
    const auc = weightedAuc(positive, scores, order, counts);
    if (auc !== null) aucs.push(auc);
  }
  if (aucs.length === 0) return null;
  aucs.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return {
    low: quantile(aucs, tail),
    high: quantile(aucs, 1 - tail),
    level,
    resamples: aucs.length,
    skipped: resamples - aucs.length,
  };
}

/**
 * AUC with each image counted `counts[i]` times, walking `order` (indices by ascending score):
 * every positive beats the negatives below its score and ties half of those at it. The numerator
 * is a sum of halves, so exact, and equals `rocAuc` of the resample written out.
 */
function weightedAuc(
  positive: readonly boolean[],
  scores: ArrayLike<number>,
  order: readonly number[],
  counts: Uint32Array,
): number | null {
  let negativesBelow = 0;
  let positives = 0;
  let wins = 0;
  for (let start = 0; start < order.length;) {
    const score = scores[order[start] as number];
    let pos = 0;
    let neg = 0;
    let k = start;
    for (; k < order.length && scores[order[k] as number] === score; k++) {
      const i = order[k] as number;
      if (positive[i]) pos += counts[i] as number;
      else neg += counts[i] as number;
    }
    wins += pos * (negativesBelow + neg / 2);
    negativesBelow += neg;
    positives += pos;
    start = k;
  }
  return positives === 0 || negativesBelow === 0 ? null : wins / (positives * negativesBelow);
}
