/**
 * How well a classifier's probabilities match how often it is right: reliability bins (per
 * equal-width confidence bin, the mean confidence, the accuracy and the count) and the expected
 * calibration error (ECE) read from them, as Guo et al. (2017) define it. A well calibrated model
 * that says 0.8 is right 8 times in 10, and its ECE is 0. Pure TypeScript, no tfjs.
 */
import { CLASSES } from '../dataset/types.ts';
import { argmax } from './classification.ts';

/** The usual number of bins (Guo et al., 2017). */
export const ECE_BINS = 15;

export interface ReliabilityBin {
  /** The bin holds confidences in (low, high]; the first bin also holds 0. */
  low: number;
  high: number;
  count: number;
  /** Mean confidence of the bin's images; null when the bin is empty. */
  confidence: number | null;
  /** Share of the bin's images that are right (or positive, for one class); null when empty. */
  accuracy: number | null;
}

export interface Reliability {
  bins: ReliabilityBin[];
  /**
   * Sum over bins of (count / images) * |accuracy - confidence|; null with no images or when a
   * confidence is not finite.
   */
  ece: number | null;
}

/**
 * The bin of a confidence in 0..1 among `bins` equal-width bins, each (k/bins, (k+1)/bins], as
 * Guo et al.'s code bins (`> lower` and `<= upper`); 0 goes to the first bin.
 */
export function binOf(confidence: number, bins: number = ECE_BINS): number {
  let k = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
  // The product can round across an edge; compare with the edges themselves.
  while (k > 0 && confidence <= k / bins) k--;
  while (k < bins - 1 && confidence > (k + 1) / bins) k++;
  return k;
}

/** Reliability bins and ECE of confidences and whether each was right. */
export function reliabilityOf(
  confidences: readonly number[],
  right: readonly boolean[],
  bins: number = ECE_BINS,
): Reliability {
  if (confidences.length !== right.length) {
    throw new Error(`reliability: ${confidences.length} confidences but ${right.length} outcomes`);
  }
  if (!(Number.isInteger(bins) && bins > 0)) throw new RangeError(`reliability: ${bins} bins`);
  const sums = Array.from({ length: bins }, () => ({ count: 0, confidence: 0, right: 0 }));
  const finite = confidences.every(Number.isFinite);
  if (finite) {
    confidences.forEach((c, i) => {
      const bin = sums[binOf(c, bins)] as (typeof sums)[number];
      bin.count++;
      bin.confidence += c;
      if (right[i]) bin.right++;
    });
  }
  const total = confidences.length;
  let ece = 0;
  const result = sums.map((s, k): ReliabilityBin => {
    const confidence = s.count > 0 ? s.confidence / s.count : null;
    const accuracy = s.count > 0 ? s.right / s.count : null;
    if (confidence !== null && accuracy !== null) {
      ece += (s.count / total) * Math.abs(accuracy - confidence);
    }
    return { low: k / bins, high: (k + 1) / bins, count: s.count, confidence, accuracy };
  });
  return { bins: result, ece: finite && total > 0 ? ece : null };
}

/**
 * Top-label reliability: each image's confidence is its largest probability, and it is right when
 * that class (the first on ties) is its label. This is the usual ECE of a multi-class model.
 */
export function topLabelReliability(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  bins: number = ECE_BINS,
  classes: number = CLASSES.length,
): Reliability {
  checkCount(labels, probabilities, classes);
  const confidences: number[] = [];
  const right: boolean[] = [];
  labels.forEach((label, i) => {
    const predicted = argmax(probabilities, i * classes, classes);
    confidences.push(Number(probabilities[i * classes + predicted]));
    right.push(predicted === label);
  });
  return reliabilityOf(confidences, right, bins);
}

/**
 * One class against the rest: the confidence is the class's probability and the "accuracy" of a
 * bin is the share of its images that belong to the class (melanoma-vs-rest ECE).
 */
export function classReliability(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  cls: number,
  bins: number = ECE_BINS,
  classes: number = CLASSES.length,
): Reliability {
  checkCount(labels, probabilities, classes);
  return reliabilityOf(
    labels.map((_, i) => Number(probabilities[i * classes + cls])),
    labels.map((label) => label === cls),
    bins,
  );
}

function checkCount(labels: readonly number[], probabilities: ArrayLike<number>, classes: number) {
  if (probabilities.length !== labels.length * classes) {
    throw new RangeError(
      `reliability: ${labels.length} labels need ${labels.length * classes} probabilities, ` +
        `got ${probabilities.length}`,
    );
  }
}
