/**
 * The data of a classifier run: the masked images of the current dataset (refused when the masks
 * are missing or were applied to an earlier version of it), the labelled images of the train and
 * validation splits, and the training samples balanced as the run asks (oversampled copies, or a
 * weight per class for the loss).
 */
import { loadMaskingSummary } from '../dataset/storage.ts';
import type { DatasetRow } from '../dataset/summary.ts';
import { CLASSES, MELANOMA } from '../dataset/types.ts';
import { balancedWeights, classCounts, oversample, sampleImage } from '../loader/balance.ts';
import { loadDataset, type DatasetSnapshot } from '../loader/trainingData.ts';
import type { MaskingSummary } from '../masking/summary.ts';
import { learnsOther, OTHER_CLASS, type ClassifierConfig } from './classifierConfig.ts';

/**
 * Class index of each labelled image, and `OTHER_CLASS` for each image kept for an "other" class
 * (only a run that learns it asks for those).
 */
export function labelIndex(rows: DatasetRow[]): Map<string, number> {
  return new Map(
    rows.flatMap((r): [string, number][] => {
      if (r.label) return [[r.key, CLASSES.indexOf(r.label)]];
      return r.other === undefined ? [] : [[r.key, OTHER_CLASS]];
    }),
  );
}

/** The train split's images of other diagnoses, in the dataset's order. */
export function otherKeys(rows: DatasetRow[]): string[] {
  return rows.filter((r) => r.split === 'train' && r.other !== undefined).map((r) => r.key);
}

/** The keys of a split's labelled images, in the dataset's order. */
export function labelledKeys(rows: DatasetRow[], split: DatasetRow['split']): string[] {
  return rows.filter((r) => r.split === split && r.label).map((r) => r.key);
}

export interface ClassifierData {
  dataset: DatasetSnapshot;
  masking: MaskingSummary;
  labels: Map<string, number>;
  /**
   * The labelled images of each split, and the train split's images of other diagnoses (trained
   * on by a run that learns an "other" class; validation scores the three classes only).
   */
  keys: { train: string[]; val: string[]; other: string[] };
}

/**
 * The dataset, its masks and labels, or an error a person can act on: no masks applied, masks of
 * an earlier dataset, or a validation split that cannot measure the melanoma AUC.
 */
export async function classifierData(): Promise<ClassifierData> {
  const dataset = await loadDataset();
  const masking = await loadMaskingSummary<MaskingSummary>();
  if (!masking) {
    throw new Error(
      'The classifier learns from masked images: apply masks in the Masking stage first.',
    );
  }
  if (masking.datasetRevision !== dataset.manifest.revision) {
    throw new Error('The dataset changed after the masks were applied: apply the masks again.');
  }
  const labels = labelIndex(dataset.rows);
  const keys = {
    train: labelledKeys(dataset.rows, 'train'),
    val: labelledKeys(dataset.rows, 'val'),
    other: otherKeys(dataset.rows),
  };
  const valLabels = keys.val.map((k) => labels.get(k));
  if (!valLabels.includes(MELANOMA) || valLabels.every((l) => l === MELANOMA)) {
    throw new Error(
      'The validation split needs melanomas and other lesions to measure the melanoma AUC: add labelled validation images of both.',
    );
  }
  return { dataset, masking, labels, keys };
}

/**
 * The samples a run trains on and the loss's class weights: the train split's images (with those of
 * other diagnoses for a run that learns an "other" class), oversampled (copies `key#n`, drawn with
 * the run's seed) or weighted per class as the run's balance says.
 */
export function trainingSamples(
  config: ClassifierConfig,
  keys: Pick<ClassifierData['keys'], 'train' | 'other'>,
  labels: ReadonlyMap<string, number>,
  seed: number,
): { samples: string[]; weights: number[] | null } {
  const train = learnsOther(config) ? [...keys.train, ...keys.other] : keys.train;
  const classes = config.model.classes;
  if (train.length < config.batchSize) {
    throw new Error(
      `The train split has ${train.length} labelled images, fewer than one batch of ${config.batchSize}.`,
    );
  }
  const labelOf = (key: string) => labels.get(sampleImage(key)) as number;
  return {
    samples: config.balance === 'oversample' ? oversample(train, labelOf, classes, seed) : train,
    weights:
      config.balance === 'class-weights'
        ? balancedWeights(classCounts(train.map(labelOf), classes))
        : null,
  };
}
