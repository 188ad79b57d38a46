/**
 * Checkpoints of a training run: the model through tfjs's own `indexeddb://` handler (the latest
 * epoch, and the best one), and the optimizer's state beside the run record (runs.ts), so training
 * resumes exactly. Keys are versioned. The model is written before the record that names its
 * epoch, so a reload loses at most the epoch in progress.
 */
import * as tf from '@tensorflow/tfjs';
import {
  deleteRunRecords,
  loadRunState,
  optimizerKey,
  saveRun,
  saveRunState,
  type ModelKind,
  type RunRecord,
} from './runs.ts';
import { STORE_PREFIX } from '../storage/stores.ts';

export function modelUrl(kind: ModelKind, runId: string, which: 'latest' | 'best'): string {
  return `indexeddb://${STORE_PREFIX}/${kind}/${runId}/${which}`;
}

/** An optimizer's state as plain arrays, in the order `getWeights` gives it. */
interface OptimizerState {
  name: string;
  shape: number[];
  data: Float32Array;
}

export async function saveCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  record: RunRecord,
  best: boolean,
): Promise<void> {
  await model.save(modelUrl(record.kind, record.id, 'latest'));
  if (best) await model.save(modelUrl(record.kind, record.id, 'best'));
  const weights = await optimizer.getWeights();
  const state: OptimizerState[] = await Promise.all(
    weights.map(async (w) => ({
      name: w.name,
      shape: w.tensor.shape,
      data: Float32Array.from(await w.tensor.data()),
    })),
  );
  // The iteration count comes as a new scalar (the rest are the optimizer's own variables).
  tf.dispose(weights.filter((w) => w.name === 'iter').map((w) => w.tensor));
  await saveRunState(optimizerKey(record.id), state);
  await saveRun(record);
}

export function loadModel(
  kind: ModelKind,
  runId: string,
  which: 'latest' | 'best',
): Promise<tf.LayersModel> {
  return tf.loadLayersModel(modelUrl(kind, runId, which));
}

/** Gives a fresh optimizer (of the same kind) the saved state, so training resumes where it was. */
export async function restoreOptimizer(optimizer: tf.Optimizer, runId: string): Promise<boolean> {
  const state = await loadRunState<OptimizerState[]>(optimizerKey(runId));
  if (!state || state.length === 0) return false;
  const weights = state.map((s) => ({ name: s.name, tensor: tf.tensor(s.data, s.shape) }));
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
  return true;
}

/** Removes a run: both models, the optimizer state and the record. */
export async function deleteRun(record: Pick<RunRecord, 'id' | 'kind'>): Promise<void> {
  for (const which of ['latest', 'best'] as const) {
    await tf.io.removeModel(modelUrl(record.kind, record.id, which)).catch((error: unknown) => {
      // A run stopped before its first epoch has no model; anything else is real.
      if (!(error instanceof Error && error.message.startsWith('Cannot find model'))) throw error;
    });
  }
  await deleteRunRecords(record.id);
}
