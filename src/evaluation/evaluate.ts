/**
 * Evaluates a classifier run in the compute worker: its best checkpoint predicts every labelled
 * image of the chosen split from the masked images (as it trained), each as stored and averaged
 * over its 8 flips and rotations (tta.ts), and the predictions are stored with the run (record.ts).
 * Calibrations (temperature and class biases; again with clinical data where the dataset gives
 * them: clinicalData.ts) are fitted on the validation split's predictions of the same checkpoint
 * (the test split reuses the stored validation evaluation, or predicts that split too) and kept in
 * the record and on the run, where Diagnose finds them. Metrics are computed from the predictions on
 * the page (src/metrics), so moving the threshold never predicts again.
 */
import type * as tf from '@tensorflow/tfjs';
import { guardQuota, loadMaskingSummary } from '../dataset/storage.ts';
import { imageGroup, type DatasetRow } from '../dataset/summary.ts';
import { SPLIT_LABELS } from '../dataset/types.ts';
import { fitTemperatures } from '../metrics/calibration.ts';
import type { MaskingSummary } from '../masking/summary.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { inOrderPlan, maskedSource } from '../loader/batches.ts';
import { loadModel } from '../runs/checkpoint.ts';
import { labelIndex } from '../training/classifierData.ts';
import { datasetClinical, type DatasetClinical } from '../training/clinicalData.ts';
import { maskingMismatch, type ClassifierConfig } from '../training/classifierConfig.ts';
import { predictAllTta, type TtaPredictions } from '../training/classifierValidation.ts';
import { FEATURE_BATCH } from '../training/features.ts';
import { loadRun, saveRun, saveRunState } from '../runs/runs.ts';
import { loadDataset, type DatasetSnapshot } from '../loader/trainingData.ts';
import type { StopSignal } from '../lib/jobs.ts';
import {
  evaluationKey,
  loadEvaluation,
  type EvalSplit,
  type EvaluationCalibration,
  type EvaluationRecord,
} from './record.ts';

export interface EvaluationProgress {
  kind: 'evaluation';
  done: number;
  total: number;
}

export interface EvaluateParams {
  runId: string;
  split: EvalSplit;
}

/** What a failed store of predictions keeps, and how to go on. */
const NOT_STORED =
  'These predictions were not stored; the run and its earlier evaluations are kept. Free space (delete runs you no longer need, or free disk space), then evaluate again.';

export async function evaluateClassifier(
  { runId, split }: EvaluateParams,
  backend: BackendName,
  report: (progress: EvaluationProgress) => void,
  signal: StopSignal,
): Promise<EvaluationRecord | null> {
  const run = await loadRun(runId);
  if (!run || run.kind !== 'classifier') throw new Error(`There is no classifier run ${runId}.`);
  const epoch = run.bestEpoch;
  if (epoch === null) {
    throw new Error(`The run ${runId} has no checkpoint yet: train it for an epoch first.`);
  }
  const dataset = await loadDataset();
  const masking = await loadMaskingSummary<MaskingSummary>();
  if (!masking || masking.datasetRevision !== dataset.manifest.revision) {
    throw new Error(
      'The masked images are missing or older than the dataset: apply the masks again in the Masking stage.',
    );
  }
  const mismatch = maskingMismatch(run.config as ClassifierConfig, masking);
  if (mismatch) throw new Error(mismatch);
  const inSplit = dataset.rows.filter((r) => r.split === split);
  const labelled = inSplit.filter((r) => r.label);
  if (labelled.length === 0) {
    throw new Error(
      inSplit.length === 0
        ? `The ${SPLIT_LABELS[split].toLowerCase()} split is empty: there is nothing to evaluate.`
        : `The ${inSplit.length} images of the ${SPLIT_LABELS[split].toLowerCase()} split have no labels: add the ISIC label file (Part 3 ground truth) for them.`,
    );
  }
  // The calibrations need the validation split's predictions by this checkpoint: the test split
  // reuses the stored ones when they are of this epoch, dataset and masks, else predicts them too.
  const storedVal = split === 'test' ? await reusableValidation(runId, epoch, masking) : undefined;
  const valRows =
    split === 'test' && !storedVal ? dataset.rows.filter((r) => r.split === 'val' && r.label) : [];
  const labels = labelIndex(dataset.rows);
  const model: tf.LayersModel = await loadModel('classifier', runId, 'best');
  try {
    const inputSize = model.inputs[0]?.shape[1] as number;
    const total = labelled.length + valRows.length;
    let done = 0;
    report({ kind: 'evaluation', done, total });
    const predict = async (rows: readonly DatasetRow[]) => {
      const started = performance.now();
      const keys = rows.map((r) => r.key);
      const predictions = await predictAllTta(
        model,
        inOrderPlan(keys, FEATURE_BATCH, maskedSource(inputSize, labels)),
        (batch) => {
          done += batch;
          report({ kind: 'evaluation', done, total });
          return !signal.stopped;
        },
      );
      return predictions && { predictions, seconds: (performance.now() - started) / 1000 };
    };
    const target = await predict(labelled);
    if (!target) return null;
    const context = {
      runId,
      epoch,
      backend,
      dataset,
      stale: isStale(run, dataset),
      clinical: datasetClinical(dataset, masking),
    };
    let val = storedVal;
    if (valRows.length > 0) {
      const predicted = await predict(valRows);
      if (!predicted) return null;
      const unlabeled = dataset.rows.filter((r) => r.split === 'val').length - valRows.length;
      const { predictions, seconds } = predicted;
      val = evaluationRecord(context, 'val', predictions, seconds, unlabeled, null);
      await guardQuota(() => saveRunState(evaluationKey(runId, 'val'), val), NOT_STORED);
    }
    const record = evaluationRecord(
      context,
      split,
      target.predictions,
      target.seconds,
      inSplit.length - labelled.length,
      val ?? null,
    );
    await guardQuota(() => saveRunState(evaluationKey(runId, split), record), NOT_STORED);
    if (record.calibration) await calibrateRun(runId, epoch, record.calibration);
    return record;
  } finally {
    model.dispose();
  }
}

/**
 * The stored validation evaluation when it is of the checkpoint of `epoch`, has the views'
 * predictions, and is newer than the masks (which also makes it of the current dataset).
 */
async function reusableValidation(
  runId: string,
  epoch: number,
  masking: MaskingSummary,
): Promise<EvaluationRecord | undefined> {
  const val = await loadEvaluation(runId, 'val');
  const usable =
    val?.epoch === epoch &&
    val.ttaProbabilities !== undefined &&
    val.datasetRevision === masking.datasetRevision &&
    typeof masking.createdAt === 'string' &&
    val.createdAt >= masking.createdAt;
  return usable ? val : undefined;
}

const isStale = (run: { datasetId: string; datasetRevision: number }, dataset: DatasetSnapshot) =>
  run.datasetId !== dataset.manifest.datasetId || run.datasetRevision !== dataset.manifest.revision;

/**
 * The record of one split's predictions. Its calibrations are fitted on its own predictions when
 * it is the validation split, else on `val`'s; none without validation labels.
 */
function evaluationRecord(
  context: {
    runId: string;
    epoch: number;
    backend: BackendName;
    dataset: DatasetSnapshot;
    stale: boolean;
    clinical: DatasetClinical | null;
  },
  split: EvalSplit,
  predictions: TtaPredictions,
  seconds: number,
  unlabeled: number,
  val: EvaluationRecord | null,
): EvaluationRecord {
  const { manifest, rows } = context.dataset;
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const { keys, labels, probabilities, ttaProbabilities } = predictions;
  const { clinical } = context;
  const logs = clinical?.logs(keys);
  // Never fitted on the test split itself: without validation labels it stays uncalibrated.
  const fitOn = split === 'val' ? { keys, labels, probabilities, ttaProbabilities } : val;
  const calibration = fitOn
    ? fitTemperatures({
        labels: fitOn.labels,
        probabilities: fitOn.probabilities,
        ...(fitOn.ttaProbabilities ? { ttaProbabilities: fitOn.ttaProbabilities } : {}),
        ...(clinical && logs
          ? {
              clinical: {
                model: clinical.model,
                logs: split === 'val' ? logs : clinical.logs(fitOn.keys),
              },
            }
          : {}),
      })
    : undefined;
  return {
    runId: context.runId,
    split,
    epoch: context.epoch,
    createdAt: new Date().toISOString(),
    seconds,
    backend: context.backend,
    datasetRevision: manifest.revision,
    stale: context.stale,
    keys,
    ids: keys.map((k) => byKey.get(k)?.id ?? k),
    licences: keys.map((k) => byKey.get(k)?.licence ?? ''),
    attributions: keys.map((k) => byKey.get(k)?.attribution ?? ''),
    labels,
    probabilities,
    ttaProbabilities,
    ...(calibration ? { calibration } : {}),
    ...(calibration?.clinical && logs ? { clinical: logs } : {}),
    groups: keys.map((k) => {
      const grouped = imageGroup(manifest, k);
      return grouped?.groupBy === 'lesion' ? (grouped.group ?? '') : '';
    }),
    unlabeled,
  };
}

/**
 * The run keeps the evaluation's calibrations for Diagnose, read afresh so nothing else of the
 * record is overwritten; a run whose best checkpoint moved on meanwhile keeps its own.
 */
async function calibrateRun(
  runId: string,
  epoch: number,
  calibration: EvaluationCalibration,
): Promise<void> {
  const run = await loadRun(runId);
  if (!run || run.bestEpoch !== epoch) return;
  await guardQuota(
    () => saveRun({ ...run, calibration: { ...calibration, epoch } }),
    'The calibration was not kept with the run (its predictions are stored). Free space, then evaluate again.',
  );
}
