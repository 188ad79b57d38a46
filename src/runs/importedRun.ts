/**
 * Keeps an imported model as a finished run: its best and latest checkpoints, the run record, and
 * for a classifier its validation predictions on this browser's dataset (what Evaluation reads)
 * and the calibration fitted on them (with clinical data where the dataset gives them). A
 * failed store leaves nothing behind.
 */
import type * as tf from '@tensorflow/tfjs';
import { isQuotaError, storageFullError } from '../dataset/storage.ts';
import { calibrateOnValidation } from '../training/classifierValidation.ts';
import { deleteRun, modelUrl } from './checkpoint.ts';
import { saveRun, type RunRecord } from './runs.ts';
import { saveModel } from './saveModel.ts';

export async function storeImportedRun(
  model: tf.LayersModel,
  run: RunRecord,
  fileName: string,
): Promise<void> {
  try {
    await saveModel(model, modelUrl(run.kind, run.id, 'best'));
    await saveModel(model, modelUrl(run.kind, run.id, 'latest'));
    await saveRun(run);
  } catch (error) {
    // No record names the models yet: remove what was stored, so a failed import leaves nothing.
    await deleteRun(run).catch(() => undefined);
    if (!isQuotaError(error)) throw error;
    throw await storageFullError(
      `${fileName} was not imported. Free space (delete runs you no longer need, or free disk space), then import it again.`,
    );
  }
  if (run.kind !== 'classifier') return;
  // The validation predictions also give Diagnose a calibration before any evaluation.
  const epoch = run.bestEpoch ?? 0;
  const calibration = await calibrateOnValidation(model, run.id, epoch);
  if (calibration) await saveRun({ ...run, calibration });
}
