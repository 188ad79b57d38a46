/**
 * Checkpoints of a training run: the model where tfjs's `indexeddb://` handler keeps it (the latest
 * epoch, and the best one), and the optimizer's state beside the run record (runs.ts), so training
 * resumes exactly. Keys are versioned. Each checkpoint has two slots: a new one is written to the
 * slot the run record does not name, model first, then the optimizer state, then the record naming
 * the new slots; only then is the old slot freed. A full disk or a reload at any step leaves the
 * record naming the previous checkpoint, whole.
 */
import * as tf from '@tensorflow/tfjs';
import {
  deleteRunRecords,
  deleteRunState,
  loadRun,
  loadRunState,
  optimizerKey,
  saveRun,
  saveRunState,
  type CheckpointSlots,
  type ModelKind,
  type RunRecord,
  type Slot,
} from './runs.ts';
import { STORE_PREFIX } from '../storage/stores.ts';
import { saveModel } from './saveModel.ts';

export type Checkpoint = 'latest' | 'best';

/** Slot `a` keeps the address runs had before slots; `b` adds a suffix. */
export function modelUrl(
  kind: ModelKind,
  runId: string,
  which: Checkpoint,
  slot: Slot = 'a',
): string {
  return `indexeddb://${STORE_PREFIX}/${kind}/${runId}/${which}${slot === 'a' ? '' : '-b'}`;
}

/** The slots a run's record names (slot `a` for runs from before slots). */
export function slotsOf(record: Pick<RunRecord, 'checkpoints'>): CheckpointSlots {
  return record.checkpoints ?? { latest: 'a', best: 'a' };
}

const other = (slot: Slot): Slot => (slot === 'a' ? 'b' : 'a');

/** An optimizer's state as plain arrays, in the order `getWeights` gives it. */
interface OptimizerState {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Stores `record` (the run with its new epoch; its `checkpoints` still name the slots of the
 * checkpoint before) with the model as its latest checkpoint, and as its best when `best`.
 * Returns the record as stored, naming the new slots. A failure leaves the stored record and the
 * checkpoint it names as they were.
 */
export async function saveCheckpoint(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  record: RunRecord,
  best: boolean,
): Promise<RunRecord> {
  const before = slotsOf(record);
  const after: CheckpointSlots = {
    latest: other(before.latest),
    best: best ? other(before.best) : before.best,
  };
  const stored: RunRecord = { ...record, checkpoints: after };
  try {
    await saveModel(model, modelUrl(record.kind, record.id, 'latest', after.latest));
    if (best) await saveModel(model, modelUrl(record.kind, record.id, 'best', after.best));
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
    await saveRunState(optimizerKey(record.id, after.latest), state);
    await saveRun(stored);
  } catch (error) {
    // What this attempt wrote to the free slots gives its space back; the record never named it.
    await removeModels(record.kind, record.id, [
      ['latest', after.latest],
      ...(best ? [['best', after.best] as const] : []),
    ]).catch(() => undefined);
    await deleteRunState(optimizerKey(record.id, after.latest)).catch(() => undefined);
    throw error;
  }
  // The previous checkpoint's slots are free now (missing ones, before a first epoch, are fine).
  await removeModels(record.kind, record.id, [
    ['latest', before.latest],
    ...(best ? [['best', before.best] as const] : []),
  ]).catch(() => undefined);
  await deleteRunState(optimizerKey(record.id, before.latest)).catch(() => undefined);
  return stored;
}

/** The model of a run's checkpoint, from the slot its record names. */
export async function loadModel(
  kind: ModelKind,
  runId: string,
  which: Checkpoint,
): Promise<tf.LayersModel> {
  const slot = async () => {
    const run = await loadRun(runId);
    return run ? slotsOf(run)[which] : 'a';
  };
  const first = await slot();
  try {
    return await tf.loadLayersModel(modelUrl(kind, runId, which, first));
  } catch (error) {
    // A checkpoint written meanwhile (another job) moved it to the other slot.
    const second = await slot();
    if (second === first) throw error;
    return tf.loadLayersModel(modelUrl(kind, runId, which, second));
  }
}

/** Gives a fresh optimizer (of the same kind) the saved state, so training resumes where it was. */
export async function restoreOptimizer(optimizer: tf.Optimizer, runId: string): Promise<boolean> {
  const run = await loadRun(runId);
  const slot = run ? slotsOf(run).latest : 'a';
  const state = await loadRunState<OptimizerState[]>(optimizerKey(runId, slot));
  if (!state || state.length === 0) return false;
  const weights = state.map((s) => ({ name: s.name, tensor: tf.tensor(s.data, s.shape) }));
  await optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
  return true;
}

/** Removes a run: its models in both slots, the optimizer state and the record. */
export async function deleteRun(record: Pick<RunRecord, 'id' | 'kind'>): Promise<void> {
  await removeModels(record.kind, record.id, [
    ['latest', 'a'],
    ['latest', 'b'],
    ['best', 'a'],
    ['best', 'b'],
  ]);
  await deleteRunRecords(record.id);
}

async function removeModels(
  kind: ModelKind,
  runId: string,
  models: (readonly [Checkpoint, Slot])[],
): Promise<void> {
  for (const [which, slot] of models) {
    await tf.io.removeModel(modelUrl(kind, runId, which, slot)).catch((error: unknown) => {
      // A run stopped before its first epoch has no model, a slot may be empty; anything else is real.
      if (!(error instanceof Error && error.message.startsWith('Cannot find model'))) throw error;
    });
  }
}
