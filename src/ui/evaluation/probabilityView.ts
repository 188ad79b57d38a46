/**
 * Which probabilities the Evaluation stage shows and exports: the plain predictions or their mean
 * over 8 flips and 90° rotations (test-time augmentation, TTA), each as stored or calibrated with
 * the temperature and class biases fitted on the validation split (src/metrics/calibration.ts), from
 * the image alone or also from each image's clinical data (src/metrics/clinical.ts) where the
 * dataset gives them. Every figure, chart and export of the stage reads the one view chosen here.
 */
import { MELANOMA } from '../../dataset/types.ts';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { applyCalibration, calibratorOf, type Calibrator } from '../../metrics/calibration.ts';
import { classScores, type EvalPredictions } from '../../metrics/report.ts';
import { rocAuc } from '../../metrics/roc.ts';

/** What the person ticked; null: the default (see `probabilityView`). */
export interface ProbabilityChoice {
  tta: boolean | null;
  calibrated: boolean | null;
  /** Calibrated with clinical data too (only where calibrated). */
  clinical?: boolean | null;
}

export interface ProbabilityView {
  /** What the figures use: `keys.length * 3` probabilities in CLASSES order. */
  probabilities: Float32Array;
  /** The same view (TTA or plain) before calibration. */
  uncalibrated: Float32Array;
  /** The same view with its fitted calibration, applied or not; null when none was fitted. */
  calibratedProbabilities: Float32Array | null;
  /** The calibration fitted for this view (the TTA one for TTA); null when none was. */
  fitted: Calibrator | null;
  tta: boolean;
  calibrated: boolean;
  /** The calibration applied to `probabilities`; null when uncalibrated. */
  calibration: Calibrator | null;
  /** The record holds TTA predictions. */
  canTta: boolean;
  /** A calibration was fitted for this view (plain or TTA). */
  canCalibrate: boolean;
  /** The calibration applied weighs each image's clinical data. */
  clinical: boolean;
  /** A calibration with clinical data was fitted for this view, and the record has their scores. */
  canClinical: boolean;
}

/** Melanoma-vs-rest AUC of a record's plain or TTA predictions (calibration can move it a little). */
function melanomaAuc(record: EvaluationRecord, probabilities: ArrayLike<number>): number | null {
  return rocAuc(
    record.labels.map((label) => label === MELANOMA),
    classScores(probabilities, MELANOMA),
  );
}

/**
 * Whether TTA is on by default: where the record has TTA predictions, unless the validation
 * evaluation (when loaded and holding TTA predictions) gives TTA a lower melanoma AUC than the
 * plain predictions, both uncalibrated. The choice is made on validation, never on the test split.
 */
export function ttaByDefault(
  record: EvaluationRecord,
  validation: EvaluationRecord | null | undefined,
): boolean {
  if (!record.ttaProbabilities) return false;
  if (!validation?.ttaProbabilities) return true;
  const plain = melanomaAuc(validation, validation.probabilities);
  const tta = melanomaAuc(validation, validation.ttaProbabilities);
  return plain === null || tta === null || tta >= plain;
}

/** Whether a calibration with clinical data was fitted for the plain or the TTA view. */
const hasClinical = (record: EvaluationRecord, tta: boolean) =>
  record.clinical !== undefined && calibratorOf(record.calibration, tta, true) !== null;

/**
 * Whether clinical data are used by default: where fitted, unless the validation evaluation
 * (when loaded) gives them a lower melanoma AUC than the image alone, both calibrated, in its TTA
 * view where it has one (else its plain view). One choice for both views, made on validation,
 * never on the test split.
 */
export function clinicalByDefault(validation: EvaluationRecord | null | undefined): boolean {
  if (!validation) return true;
  const tta = hasClinical(validation, true);
  if (!tta && !hasClinical(validation, false)) return true;
  const aucs = clinicalAucs(validation, tta);
  return !aucs || aucs.image === null || aucs.clinical === null || aucs.clinical >= aucs.image;
}

/**
 * The view of `record` for a choice: TTA where the record has it and the choice (or, when null,
 * `ttaDefault`) says so; calibrated where a calibration was fitted for that view and the choice does
 * not say no (calibrated by default); with clinical data where calibrated, fitted, and the
 * choice (or, when null, `clinicalDefault`) says so.
 */
export function probabilityView(
  record: EvaluationRecord,
  choice: ProbabilityChoice,
  ttaDefault: boolean,
  clinicalDefault = true,
): ProbabilityView {
  const canTta = record.ttaProbabilities !== undefined;
  const tta = canTta && (choice.tta ?? ttaDefault);
  const uncalibrated = (tta && record.ttaProbabilities) || record.probabilities;
  const canClinical = hasClinical(record, tta);
  const withClinical = canClinical && (choice.clinical ?? clinicalDefault);
  const fitted = calibratorOf(record.calibration, tta, withClinical);
  const calibratedProbabilities =
    fitted && applyCalibration(uncalibrated, fitted, 3, withClinical ? record.clinical : undefined);
  const calibrated = calibratedProbabilities !== null && (choice.calibrated ?? true);
  return {
    probabilities: (calibrated && calibratedProbabilities) || uncalibrated,
    uncalibrated,
    calibratedProbabilities,
    fitted,
    tta,
    calibrated,
    calibration: calibrated ? fitted : null,
    canTta,
    canCalibrate: fitted !== null,
    clinical: calibrated && withClinical,
    canClinical,
  };
}

/** The plain predictions as stored: no TTA, no calibration. */
export const plainView = (record: EvaluationRecord) =>
  probabilityView(record, { tta: false, calibrated: false }, false);

/** A record's predictions in a view, as src/metrics reads them (metrics.json, predictions.csv). */
export function asPredictions(
  record: EvaluationRecord,
  view: ProbabilityView = plainView(record),
): EvalPredictions {
  return {
    keys: record.keys,
    ids: record.ids,
    split: record.split,
    labels: record.labels,
    probabilities: view.probabilities,
    ...(record.licences ? { licences: record.licences } : {}),
    ...(record.attributions ? { attributions: record.attributions } : {}),
    ...(record.groups ? { groups: record.groups } : {}),
    view: { tta: view.tta, calibration: view.calibration, uncalibrated: view.uncalibrated },
  };
}

/**
 * The melanoma AUC of the plain and the TTA predictions, each calibrated as `calibrated` says where
 * it can be; null when the record has no TTA predictions.
 */
export function melanomaAucs(
  record: EvaluationRecord,
  calibrated: boolean | null,
  clinical: boolean | null = null,
): { plain: number | null; tta: number | null } | null {
  if (!record.ttaProbabilities) return null;
  const auc = (tta: boolean) =>
    melanomaAuc(record, probabilityView(record, { tta, calibrated, clinical }, tta).probabilities);
  return { plain: auc(false), tta: auc(true) };
}

/**
 * The melanoma AUC of one view (TTA or plain), calibrated from the image alone and with clinical
 * data; null where no calibration with them was fitted for that view.
 */
export function clinicalAucs(
  record: EvaluationRecord,
  tta: boolean,
): { image: number | null; clinical: number | null } | null {
  if (!hasClinical(record, tta)) return null;
  const auc = (clinical: boolean) =>
    melanomaAuc(
      record,
      probabilityView(record, { tta, calibrated: true, clinical }, tta).probabilities,
    );
  return { image: auc(false), clinical: auc(true) };
}
