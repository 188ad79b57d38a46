/**
 * What the Masking stage produced, and its scores: per image the Jaccard and Dice of the applied mask
 * against the ground truth, and per split the means and the ISIC 2017 thresholded Jaccard. Pure.
 */
import { LESION_MEASURES } from '../metrics/lesion/measures.ts';
import { mean, thresholdedJaccard } from '../metrics/segmentation.ts';
import { SPLITS, type Split } from '../dataset/types.ts';

export type MaskSource = { kind: 'segnet'; runId: string } | { kind: 'truth' };

export interface ImageScore {
  key: string;
  split: Split;
  /** Against the ground-truth mask; null where the image has none (or the source is the truth). */
  jaccard: number | null;
  dice: number | null;
  /**
   * The lesion's measures under the applied mask (src/metrics/lesion/measures.ts); null where the
   * mask had no lesion or the image was kept whole; absent in summaries from before the measures.
   */
  measures?: number[] | null;
}

export interface SplitScores {
  images: number;
  /** Images with a ground-truth mask to score against. */
  scored: number;
  jaccard: number | null;
  dice: number | null;
  /** Mean of the per-image Jaccard, where an image below 0.65 counts 0 (ISIC 2017 Task 1). */
  thresholdedJaccard: number | null;
}

export interface MaskingSummary {
  source: MaskSource;
  /**
   * Whether the masked images are cut to their lesion's square and zoomed (lesionCrop.ts); absent
   * in summaries from before the crop existed, whose images are whole frames.
   */
  crop?: boolean;
  /** The SegNet epoch whose (best) checkpoint made the masks. */
  epoch: number | null;
  datasetId: string;
  datasetRevision: number;
  storedSize: number;
  createdAt: string;
  seconds: number;
  backend: string;
  images: ImageScore[];
  perSplit: Record<Split, SplitScores>;
  /** Images kept as they are: the ground truth was asked for and they have no mask. */
  unmasked: string[];
}

export function splitScores(images: readonly ImageScore[]): Record<Split, SplitScores> {
  return Object.fromEntries(
    SPLITS.map((split) => {
      const inSplit = images.filter((i) => i.split === split);
      const jaccards = inSplit.flatMap((i) => (i.jaccard === null ? [] : [i.jaccard]));
      const dices = inSplit.flatMap((i) => (i.dice === null ? [] : [i.dice]));
      const scored = jaccards.length > 0;
      return [
        split,
        {
          images: inSplit.length,
          scored: jaccards.length,
          jaccard: scored ? mean(jaccards) : null,
          dice: scored ? mean(dices) : null,
          thresholdedJaccard: scored ? mean(jaccards.map((j) => thresholdedJaccard(j))) : null,
        },
      ];
    }),
  ) as Record<Split, SplitScores>;
}

export function describeSource(source: MaskSource): string {
  return source.kind === 'truth' ? 'ground-truth masks' : `SegNet run ${source.runId}`;
}

/**
 * What masking measured of the lesions (src/metrics/lesion/measures.ts): how many it measured and
 * how many masks held no lesion; or, for masks applied by an earlier version of the app, how many
 * measures that version took (0: none), which the clinical model does not read.
 */
export type Measuring =
  { kind: 'current'; measured: number; empty: number } | { kind: 'earlier'; measures: number };

export function measuring(summary: Pick<MaskingSummary, 'images' | 'unmasked'>): Measuring {
  const first = summary.images.find((i) => i.measures);
  const taken = summary.images.some((i) => i.measures !== undefined);
  if (!taken || (first && !currentMeasures(first)))
    return { kind: 'earlier', measures: first?.measures?.length ?? 0 };
  const measured = summary.images.filter((i) => i.measures).length;
  return {
    kind: 'current',
    measured,
    empty: summary.images.length - measured - summary.unmasked.length,
  };
}

/**
 * An image's measures where this version of the app took them (every one of LESION_MEASURES);
 * null where the mask held no lesion, or an earlier version measured fewer.
 */
export function currentMeasures(image: Pick<ImageScore, 'measures'>): number[] | null {
  return image.measures?.length === LESION_MEASURES.length ? image.measures : null;
}
