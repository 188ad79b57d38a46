/**
 * A diagnosed photo's shown scores from its views' mean: calibrated from the image alone, or, where
 * the run's calibration learned clinical data (src/metrics/clinical.ts), with the lesion's measures
 * on the photo's mask and the patient's age, sex and the lesion's site the person gives. Pure, so
 * the Diagnose stage recomputes the scores as the person types, without predicting the photo again.
 */
import { MELANOMA } from '../dataset/types.ts';
import { applyCalibration, calibratorOf, type Calibrator } from './calibration.ts';
import {
  clinicalLogProbabilities,
  hasClinicalData,
  type ClinicalModel,
  type ClinicalValues,
} from './clinical.ts';
import type { RunRecord } from '../runs/runs.ts';

/** The run's calibration with clinical data, and the clinical model it reads. */
export interface ClinicalUse {
  model: ClinicalModel;
  calibrator: Calibrator;
}

/** No age, no sex, no site: what the Diagnose stage's fields start with. */
export const NO_CLINICAL: ClinicalValues = { age: null, sex: null, site: null };

/**
 * The run's calibration with clinical data for its best checkpoint, of the view Diagnose's
 * image-only calibration is of (`from`: the views' mean, else one view); null where none was fitted.
 */
export function runClinicalCalibration(
  run: Pick<RunRecord, 'calibration' | 'bestEpoch'>,
  from: 'tta' | 'plain' | null,
): ClinicalUse | null {
  const fitted = run.calibration?.epoch === run.bestEpoch ? run.calibration : undefined;
  if (!fitted?.clinical || from === null) return null;
  const calibrator = calibratorOf(fitted, from === 'tta', true);
  return calibrator ? { model: fitted.clinical.model, calibrator } : null;
}

export interface ShownScores {
  /** In CLASSES order. */
  probabilities: number[];
  melanoma: number;
  /** The scores weigh clinical data: `patient`'s, the lesion's measures, or both. */
  clinical: boolean;
  /** They weigh the age, sex or site the person gave. */
  patient: boolean;
  /** They weigh the lesion's measures on the photo's mask. */
  measured: boolean;
}

/**
 * The scores shown for a photo: its views' mean (`ttaProbabilities`, uncalibrated) calibrated with
 * its lesion's `measures` and the age, sex and site `values` give, where the run learned any of
 * them, else from the image alone.
 */
export function shownScores(
  {
    ttaProbabilities,
    calibration,
    clinicalCalibration,
    measures,
  }: {
    ttaProbabilities: readonly number[];
    calibration: Calibrator;
    clinicalCalibration: ClinicalUse | null;
    measures: readonly number[] | null;
  },
  values: ClinicalValues,
): ShownScores {
  const model = clinicalCalibration?.model;
  const patient = model !== undefined && hasClinicalData(model, { ...values, measures: null });
  const measured = model !== undefined && hasClinicalData(model, { ...NO_CLINICAL, measures });
  const clinical = patient || measured;
  const probabilities = Array.from(
    clinical && clinicalCalibration
      ? applyCalibration(
          ttaProbabilities,
          clinicalCalibration.calibrator,
          ttaProbabilities.length,
          clinicalLogProbabilities(clinicalCalibration.model, { ...values, measures }),
        )
      : applyCalibration(ttaProbabilities, calibration, ttaProbabilities.length),
  );
  return { probabilities, melanoma: probabilities[MELANOMA] ?? 0, clinical, patient, measured };
}
