/**
 * Checkpoints of a training run: the model through tfjs's own `indexeddb://` handler (the latest
 * epoch, and the best one), the optimizer's state beside it, and the run record (config, seed,
 * backend, dataset, history, timings) in the runs store. Keys are versioned. The model is written
 * before the record that names its epoch, so a reload loses at most the epoch in progress.
 */
import * as tf from '@tensorflow/tfjs';
import { createStore, del, get, set, values } from 'idb-keyval';
import type { PresetName } from '../pipeline/presets.ts';
import type { EpochFigures } from './loop.ts';

const VERSION = 'v1';
const runs = createStore(`lesion-lab/${VERSION}/runs`, 'runs');

export type ModelKind = 'segnet' | 'classifier';
export type RunStatus = 'running' | 'stopped' | 'finished' | 'early-stop' | 'failed';

export function modelUrl(kind: ModelKind, runId: string, which: 'latest' | 'best'): string {
  return `indexeddb://lesion-lab/${VERSION}/${kind}/${runId}/${which}`;
}

export interface RunRecord<Config = unknown> {
  id: string;
  kind: ModelKind;
  preset: PresetName;
  config: Config;
  seed: number;
  backend: string;
  /** The dataset the run trained on, to tell a stale model. */
  datasetId: string;
  datasetRevision: number;
  status: RunStatus;
  history: EpochFigures[];
  /** Epochs saved in the `latest` checkpoint (the next epoch to run when resuming). */
  epochsDone: number;
  bestEpoch: number | null;
  bestValLoss: number;
  createdAt: string;
  updatedAt: string;
  tfjsVersion: string;
  error?: string;
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
  await set(`${record.id}/optimizer`, state, runs);
  await saveRun({ ...record, updatedAt: new Date().toISOString() });
}

export function saveRun(record: RunRecord): Promise<void> {
  return set(record.id, record, runs);
}

export function loadRun(runId: string): Promise<RunRecord | undefined> {
  return get<RunRecord>(runId, runs);
}

/** Every run, newest first (the store also holds optimizer states, which are skipped). */
export async function listRuns(kind?: ModelKind): Promise<RunRecord[]> {
  const all = (await values<RunRecord | OptimizerState[]>(runs)).filter(
    (v): v is RunRecord => !Array.isArray(v) && (kind === undefined || v.kind === kind),
  );
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
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
  const state = await get<OptimizerState[]>(`${runId}/optimizer`, runs);
  if (!state || state.length === 0) return false;
  const weights = state.map((s) => ({ name: s.name, tensor: tf.tensor(s.data, s.shape) }));
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
  return true;
}

export async function deleteRun(record: Pick<RunRecord, 'id' | 'kind'>): Promise<void> {
  for (const which of ['latest', 'best'] as const) {
    await tf.io.removeModel(modelUrl(record.kind, record.id, which)).catch((error: unknown) => {
      // A run stopped before its first best epoch has no `best` model; anything else is real.
      if (!(error instanceof Error && error.message.startsWith('Cannot find model'))) throw error;
    });
  }
  await del(`${record.id}/optimizer`, runs);
  await del(record.id, runs);
}
