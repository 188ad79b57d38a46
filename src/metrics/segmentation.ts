/**
 * Segmentation metrics on binary masks (pure TypeScript, no tfjs): Dice and Jaccard per image, and
 * the ISIC 2017 Task 1 thresholded Jaccard, where an image scoring below 0.65 counts as 0.
 * A mask is one byte per pixel; any value >= 128 is lesion (stored masks hold 0 or 255).
 */

export interface Overlap {
  /** Pixels that are lesion in both masks. */
  intersection: number;
  /** Lesion pixels of the first mask plus those of the second. */
  sum: number;
}

export function overlap(predicted: Uint8Array, truth: Uint8Array): Overlap {
  if (predicted.length !== truth.length) {
    throw new RangeError(`Masks differ in size: ${predicted.length} and ${truth.length} pixels`);
  }
  let intersection = 0;
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = (predicted[i] as number) >= 128;
    const t = (truth[i] as number) >= 128;
    if (p && t) intersection++;
    sum += Number(p) + Number(t);
  }
  return { intersection, sum };
}

/** 2|A∩B| / (|A|+|B|); two empty masks agree perfectly (1). */
export function dice(predicted: Uint8Array, truth: Uint8Array): number {
  const { intersection, sum } = overlap(predicted, truth);
  return sum === 0 ? 1 : (2 * intersection) / sum;
}

/** |A∩B| / |A∪B|; two empty masks agree perfectly (1). */
export function jaccard(predicted: Uint8Array, truth: Uint8Array): number {
  const { intersection, sum } = overlap(predicted, truth);
  const union = sum - intersection;
  return union === 0 ? 1 : intersection / union;
}

/** The ISIC 2017 Task 1 score of one image: its Jaccard, or 0 below the threshold. */
export function thresholdedJaccard(score: number, threshold = 0.65): number {
  return score < threshold ? 0 : score;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('The mean of no values is undefined');
  return values.reduce((a, b) => a + b, 0) / values.length;
}
