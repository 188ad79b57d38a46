/**
 * Run records: one per training run (config, seed, backend, dataset, history, timings, status),
 * in a store of their own, and each run's larger state (optimizer, previews, predictions,
 * evaluations) in another, so listing runs reads a few KB per run whatever the models' size. No
 * tfjs here, so the page lists and shows runs without the worker; the models themselves are
 * checkpoints (checkpoint.ts).
 */
import { del, get, getMany, keys, set } from 'idb-keyval';
import type { Temperatures } from '../metrics/calibration.ts';
import type { PresetName } from '../pipeline/presets.ts';
import { store } from '../storage/stores.ts';

const runs = store('runs');
const runData = store('runData');

export type ModelKind = 'segnet' | 'classifier';
/**
 * `running` in storage while no training is active means the page closed mid-run: the run is
 * interrupted and resumes from its last finished epoch.
 */
export type RunStatus = 'running' | 'stopped' | 'finished' | 'early-stop' | 'failed';

/** One epoch's figures, as the training loop reports them. */
export interface EpochFigures {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  loss: number;
  /** Validation loss and metrics (by the model's metric names), weighted by batch size. */
  valLoss: number;
  val: Record<string, number>;
  seconds: number;
  imagesPerSecond: number;
  /** Tensors alive in the worker after the epoch: growth epoch over epoch is a leak (runs before
   * this figure existed lack it). */
  tensors?: number;
}

export interface RunRecord<Config = unknown> {
  id: string;
  kind: ModelKind;
  preset: PresetName;
  config: Config;
  seed: number;
  /** The backend of the latest session of the run (a resumed run may change it). */
  backend: string;
  /**
   * What trained in the latest session, in words: the WebGPU engine (src/engine) or tfjs, and why
   * tfjs where the engine could not. Absent in runs stored before the engine.
   */
  engine?: string;
  /** Which trained it in the latest session: `fused` (the WebGPU engine) or `tfjs`. */
  engineKind?: 'fused' | 'tfjs';
  /** The dataset the run trained on, to tell a stale model. */
  datasetId: string;
  datasetRevision: number;
  /** Images per split the run trained and validated on. */
  images: { train: number; val: number };
  status: RunStatus;
  history: EpochFigures[];
  /** Epochs saved in the `latest` checkpoint (the next epoch to run when resuming). */
  epochsDone: number;
  bestEpoch: number | null;
  /**
   * The monitored validation figure of the best epoch (the SegNet's loss, the classifier's
   * melanoma AUC); undefined before the first epoch.
   */
  bestValue?: number;
  /** Seconds spent training, over every session of the run. */
  trainSeconds: number;
  createdAt: string;
  updatedAt: string;
  appVersion: string;
  tfjsVersion: string;
  error?: string;
  /** The file a model imported from another browser came from (no training happened here). */
  importedFrom?: string;
  /**
   * The slot of each checkpoint (checkpoint.ts): a checkpoint is written to the other slot and
   * named here only once it is whole. Absent: slot `a` (runs from before slots).
   */
  checkpoints?: CheckpointSlots;
  /**
   * A classifier's calibrations (src/metrics/calibration.ts) for the best checkpoint, fitted on the
   * validation split: the plain one when a best epoch is stored (or a model imported), both once
   * an evaluation predicted the views too. Diagnose calibrates with them. Absent before either.
   */
  calibration?: RunCalibration;
}

/**
 * Calibrations fitted on the validation predictions of one epoch's checkpoint: `temperature` and
 * `biases` on the plain (identity view) probabilities, `ttaTemperature` and `ttaBiases` on the
 * mean over the 8 flips and rotations (absent until an evaluation made them). Records from before
 * the biases have temperatures alone.
 */
export interface RunCalibration extends Temperatures {
  /** The epoch whose checkpoint made the predictions. */
  epoch: number;
}

/** One of a checkpoint's two places in storage. */
export type Slot = 'a' | 'b';

export interface CheckpointSlots {
  /** The `latest` model and the optimizer state beside it. */
  latest: Slot;
  best: Slot;
}

/** The SegNet's validation metrics, by the names its run history uses. */
export const SEGNET_METRICS = { dice: 'diceCoefficient', jaccard: 'jaccardIndex' } as const;

/** The classifier's validation metrics, by the names its run history uses. */
export const CLASSIFIER_METRICS = {
  accuracy: 'accuracy',
  melanomaAuc: 'melanomaAuc',
  keratosisAuc: 'seborrheicKeratosisAuc',
} as const;

/** Keys of a run's state, in the run-data store; the optimizer's follows the `latest` slot. */
export const optimizerKey = (runId: string, slot: Slot = 'a') =>
  `${runId}/optimizer${slot === 'a' ? '' : '-b'}`;
export const previewsKey = (runId: string) => `${runId}/previews`;
/** The classifier's latest validation probabilities (classifierValidation.ts, Predictions). */
export const predictionsKey = (runId: string) => `${runId}/predictions`;

/** Validation images a SegNet run predicts after every epoch, for the live view. */
export const PREVIEW_COUNT = 4;

export interface SegNetPreviews {
  epoch: number;
  /** Edge of the predicted masks (the model's input size). */
  size: number;
  /** Predicted masks, one byte per pixel, 0 or 255, with their Dice against the ground truth. */
  items: { key: string; predicted: Uint8Array; dice: number }[];
}

export function saveRun(record: RunRecord): Promise<void> {
  return set(record.id, { ...record, updatedAt: new Date().toISOString() }, runs);
}

export async function loadRun(runId: string): Promise<RunRecord | undefined> {
  const record = await get<unknown>(runId, runs);
  return isRunRecord(record) ? upgrade(record) : undefined;
}

function isRunRecord(value: unknown): value is RunRecord {
  return typeof value === 'object' && value !== null && 'kind' in value && 'history' in value;
}

/** Records written before `bestValue` held the SegNet's best loss as `bestValLoss`. */
function upgrade(record: RunRecord & { bestValLoss?: number }): RunRecord {
  const { bestValLoss, ...rest } = record;
  if (bestValLoss === undefined || rest.bestValue !== undefined) return rest;
  return Number.isFinite(bestValLoss) ? { ...rest, bestValue: bestValLoss } : rest;
}

/** A run record's key is the run's id, which never holds a `/`; every state key does. */
const isRunKey = (key: IDBValidKey) => typeof key === 'string' && !key.includes('/');

/**
 * Every run (of one kind), newest first. Reads the store's keys, then the run records alone: a
 * database from before the run-data store still keeps optimizer state beside them, never read here.
 */
export async function listRuns(kind?: ModelKind): Promise<RunRecord[]> {
  const ids = (await keys(runs)).filter(isRunKey);
  const all = (await getMany<unknown>(ids, runs))
    .filter((v): v is RunRecord => isRunRecord(v) && (kind === undefined || v.kind === kind))
    .map(upgrade);
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export function saveRunState<T>(key: string, value: T): Promise<void> {
  return set(key, value, runData);
}

/** A run's state; databases written before the run-data store kept it beside the run records. */
export async function loadRunState<T>(key: string): Promise<T | undefined> {
  return (await get<T>(key, runData)) ?? get<T>(key, runs);
}

export async function deleteRunState(key: string): Promise<void> {
  await del(key, runData);
  await del(key, runs);
}

export async function deleteRunRecords(runId: string): Promise<void> {
  const optimizer = [optimizerKey(runId, 'a'), optimizerKey(runId, 'b')];
  for (const key of [...optimizer, previewsKey(runId), predictionsKey(runId), runId]) {
    await deleteRunState(key);
  }
}

/** The run's figure for a validation metric in its latest epoch, if any. */
export function latestVal(record: RunRecord, metric: string): number | undefined {
  return record.history.at(-1)?.val[metric];
}

/** The epoch the `best` checkpoint holds, with its figures. */
export function bestFigures(record: RunRecord): EpochFigures | undefined {
  return record.history.find((h) => h.epoch === record.bestEpoch);
}
