/**
 * Evaluates a classifier run in the compute worker: its best checkpoint predicts every labelled
 * image of the chosen split from the masked images (as it trained), and the predictions are stored
 * with the run (record.ts). Metrics are computed from them on the page (src/metrics), so moving the
 * threshold never predicts again.
 */
import type * as tf from '@tensorflow/tfjs';
import { guardQuota, loadMaskingSummary } from '../dataset/storage.ts';
import { SPLIT_LABELS } from '../dataset/types.ts';
import type { MaskingSummary } from '../masking/summary.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { inOrderPlan, maskedSource } from '../loader/batches.ts';
import { loadModel } from '../runs/checkpoint.ts';
import { labelIndex } from '../training/classifierData.ts';
import { predictAll } from '../training/classifierValidation.ts';
import { FEATURE_BATCH } from '../training/features.ts';
import { loadRun, saveRunState } from '../runs/runs.ts';
import { loadDataset } from '../loader/trainingData.ts';
import type { StopSignal } from '../lib/jobs.ts';
import { evaluationKey, type EvalSplit, type EvaluationRecord } from './record.ts';

export interface EvaluationProgress {
  kind: 'evaluation';
  done: number;
  total: number;
}

export interface EvaluateParams {
  runId: string;
  split: EvalSplit;
}

export async function evaluateClassifier(
  { runId, split }: EvaluateParams,
  backend: BackendName,
  report: (progress: EvaluationProgress) => void,
  signal: StopSignal,
): Promise<EvaluationRecord | null> {
  const started = performance.now();
  const run = await loadRun(runId);
  if (!run || run.kind !== 'classifier') throw new Error(`There is no classifier run ${runId}.`);
  if (run.bestEpoch === null) {
    throw new Error(`The run ${runId} has no checkpoint yet: train it for an epoch first.`);
  }
  const dataset = await loadDataset();
  const masking = await loadMaskingSummary<MaskingSummary>();
  if (!masking || masking.datasetRevision !== dataset.manifest.revision) {
    throw new Error(
      'The masked images are missing or older than the dataset: apply the masks again in the Masking stage.',
    );
  }
  const inSplit = dataset.rows.filter((r) => r.split === split);
  const labelled = inSplit.filter((r) => r.label);
  if (labelled.length === 0) {
    throw new Error(
      inSplit.length === 0
        ? `The ${SPLIT_LABELS[split].toLowerCase()} split is empty: there is nothing to evaluate.`
        : `The ${inSplit.length} images of the ${SPLIT_LABELS[split].toLowerCase()} split have no labels: add the ISIC label file (Part 3 ground truth) for them.`,
    );
  }
  const labels = labelIndex(dataset.rows);
  const model: tf.LayersModel = await loadModel('classifier', runId, 'best');
  try {
    const inputSize = model.inputs[0]?.shape[1] as number;
    const keys = labelled.map((r) => r.key);
    let done = 0;
    report({ kind: 'evaluation', done, total: keys.length });
    const predictions = await predictAll(
      model,
      inOrderPlan(keys, FEATURE_BATCH, maskedSource(inputSize, labels)),
      (batch) => {
        done += batch;
        report({ kind: 'evaluation', done, total: keys.length });
        return !signal.stopped;
      },
    );
    if (!predictions) return null;
    const rows = new Map(dataset.rows.map((r) => [r.key, r]));
    const record: EvaluationRecord = {
      runId,
      split,
      epoch: run.bestEpoch,
      createdAt: new Date().toISOString(),
      seconds: (performance.now() - started) / 1000,
      backend,
      datasetRevision: dataset.manifest.revision,
      stale:
        run.datasetId !== dataset.manifest.datasetId ||
        run.datasetRevision !== dataset.manifest.revision,
      keys: predictions.keys,
      ids: predictions.keys.map((k) => rows.get(k)?.id ?? k),
      licences: predictions.keys.map((k) => rows.get(k)?.licence ?? ''),
      attributions: predictions.keys.map((k) => rows.get(k)?.attribution ?? ''),
      labels: predictions.labels,
      probabilities: predictions.probabilities,
      unlabeled: inSplit.length - labelled.length,
    };
    await guardQuota(
      () => saveRunState(evaluationKey(runId, split), record),
      'These predictions were not stored; the run and its earlier evaluations are kept. Free space (delete runs you no longer need, or free disk space), then evaluate again.',
    );
    return record;
  } finally {
    model.dispose();
  }
}
