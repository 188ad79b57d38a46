/**
 * An evaluation: the best checkpoint of a classifier run, predicted on the validation or test split
 * (masked images, as it trained), stored beside the run so the page reloads without predicting
 * again. No tfjs here: the page reads these records directly.
 */
import type { Split } from '../dataset/types.ts';
import type { Temperatures } from '../metrics/calibration.ts';
import { deleteRunState, loadRunState } from '../runs/runs.ts';

export type EvalSplit = Extract<Split, 'val' | 'test'>;
export const EVAL_SPLITS: readonly EvalSplit[] = ['val', 'test'];

export interface EvaluationRecord {
  runId: string;
  split: EvalSplit;
  /** The epoch of the run's best checkpoint, which made the predictions. */
  epoch: number;
  createdAt: string;
  seconds: number;
  backend: string;
  /** The dataset revision predicted; the run's own tells whether the model is stale. */
  datasetRevision: number;
  /** The run trained on another revision of the dataset than the one evaluated. */
  stale: boolean;
  keys: string[];
  /** ISIC image ids, as the export names them. */
  ids: string[];
  /**
   * Each image's licence and attribution from the dataset's metadata ('' where it gives none), as
   * predictions.csv writes them; absent in records stored before they were kept.
   */
  licences?: string[];
  attributions?: string[];
  /** Class index per image (CLASSES order). */
  labels: number[];
  /** `keys.length * 3` probabilities in CLASSES order: the image as stored, uncalibrated. */
  probabilities: Float32Array;
  /**
   * `keys.length * 3`: the mean over the image's 8 flips and rotations (test-time augmentation,
   * tta.ts), uncalibrated; absent in records stored before it was computed.
   */
  ttaProbabilities?: Float32Array;
  /**
   * Calibrations (src/metrics/calibration.ts) fitted on the validation split's predictions by the
   * same checkpoint: `temperature` and `biases` on `probabilities`, `ttaTemperature` and
   * `ttaBiases` on `ttaProbabilities` (temperatures alone in records from before the biases).
   * Apply them with applyCalibration (calibratorOf picks one); absent in older records.
   */
  calibration?: EvaluationCalibration;
  /**
   * `keys.length * 3`: each image's class log-probabilities from its clinical data alone, by
   * `calibration.clinical.model` (src/metrics/clinical.ts), which `calibration.clinical`'s
   * calibrators weigh; absent where none was fitted (no clinical data, or an older record).
   */
  clinical?: Float32Array;
  /**
   * Each image's lesion id, for per-lesion figures: the dataset's group where it groups by lesion,
   * '' otherwise (no group, or a patient's). Absent in older records.
   */
  groups?: string[];
  /** Images of the split without a label of the three classes (unlabeled, or "other"): not evaluated. */
  unlabeled: number;
}

/** The calibrations fitted on the validation split (src/metrics/calibration.ts). */
export type EvaluationCalibration = Temperatures;

export const evaluationKey = (runId: string, split: EvalSplit) => `${runId}/eval/${split}`;

export function loadEvaluation(runId: string, split: EvalSplit) {
  return loadRunState<EvaluationRecord>(evaluationKey(runId, split));
}

export async function deleteEvaluations(runId: string): Promise<void> {
  for (const split of EVAL_SPLITS) await deleteRunState(evaluationKey(runId, split));
}
