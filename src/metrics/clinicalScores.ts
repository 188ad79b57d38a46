/**
 * A diagnosed photo's shown scores from its views' mean: calibrated from the image alone, or, where
 * the person gives the patient's age or sex or the lesion's site and the run's calibration learned
 * them (src/metrics/clinical.ts), with them too. Pure, so the Diagnose stage recomputes the scores
 * as the person types, without predicting the photo again.
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

/** No age, no sex, no site: what the Diagnose stage starts with. */
export const NO_CLINICAL: ClinicalValues = { age: null, sex: null, site: null };

/**
 * The run's calibration with age, sex and site for its best checkpoint, of the view Diagnose's
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
  /** The scores weigh the given age, sex or site. */
  clinical: boolean;
}

/**
 * The scores shown for a photo: its views' mean (`ttaProbabilities`, uncalibrated) calibrated with
 * age, sex and site where `values` give any the run learned, else from the image alone.
 */
export function shownScores(
  {
    ttaProbabilities,
    calibration,
    clinicalCalibration,
  }: {
    ttaProbabilities: readonly number[];
    calibration: Calibrator;
    clinicalCalibration: ClinicalUse | null;
  },
  values: ClinicalValues,
): ShownScores {
  const clinical =
    clinicalCalibration !== null && hasClinicalData(clinicalCalibration.model, values);
  const probabilities = Array.from(
    clinical
      ? applyCalibration(
          ttaProbabilities,
          clinicalCalibration.calibrator,
          ttaProbabilities.length,
          clinicalLogProbabilities(clinicalCalibration.model, values),
        )
      : applyCalibration(ttaProbabilities, calibration, ttaProbabilities.length),
  );
  return { probabilities, melanoma: probabilities[MELANOMA] ?? 0, clinical };
}
