/**
 * The dataset's clinical data for calibration: the clinical model (src/metrics/clinical.ts) of the
 * train split's labelled images, and each image's log-probabilities under it, read from the
 * metadata rows the manifest keeps (age, sex, body site) and the lesion measures the masking
 * summary keeps. Training's and evaluation's calibrations both weigh them, so a run's stored
 * calibration and its evaluations agree.
 */
import type { DatasetManifest } from '../dataset/manifest.ts';
import { CLASSES } from '../dataset/types.ts';
import {
  clinicalLogs,
  fitClinicalModel,
  type ClinicalModel,
  type ClinicalValues,
} from '../metrics/clinical.ts';
import type { DatasetSnapshot } from '../loader/trainingData.ts';
import { currentMeasures, type MaskingSummary } from '../masking/summary.ts';

export interface DatasetClinical {
  model: ClinicalModel;
  /** Each image's log-probabilities, three per key, in the keys' order. */
  logs: (keys: readonly string[]) => Float32Array;
}

/** An image's age, sex and site from its metadata row; null each where none is given. */
export function clinicalValuesOf(manifest: DatasetManifest, key: string): ClinicalValues {
  const row = manifest.metadata[key];
  return { age: row?.age ?? null, sex: row?.sex ?? null, site: row?.site ?? null };
}

/**
 * The clinical model of the dataset's train split, with the lesion measures of `masking` where it
 * has them all; null where its images give no clinical data.
 */
export function datasetClinical(
  { manifest, rows }: DatasetSnapshot,
  masking: Pick<MaskingSummary, 'images'> | null,
): DatasetClinical | null {
  // Measures of an earlier version of the app (fewer of them) are left out: Diagnose measures a
  // photo with every measure, and the Masking stage asks for the masks to be applied again.
  const measures = new Map(masking?.images.map((i) => [i.key, currentMeasures(i)]));
  const valuesOf = (key: string): ClinicalValues => ({
    ...clinicalValuesOf(manifest, key),
    measures: measures.get(key) ?? null,
  });
  const train = rows.flatMap((r) =>
    r.split === 'train' && r.label ? [{ ...valuesOf(r.key), label: CLASSES.indexOf(r.label) }] : [],
  );
  const model = fitClinicalModel(train, CLASSES.length);
  if (!model) return null;
  return { model, logs: (keys) => clinicalLogs(model, keys.map(valuesOf)) };
}
