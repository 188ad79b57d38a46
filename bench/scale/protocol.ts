/**
 * What the scale benchmark's page, worker and driver (bench/scale.ts) say to each other. Types
 * only: the Node side imports it too.
 */
import type { BackendName } from '../../src/pipeline/backends.ts';
import type { PresetName } from '../../src/pipeline/presets.ts';
import type { EpochTiming, WorkerMessage as BenchMessage } from '../common/protocol.ts';

export interface StreamingOptions {
  backend: BackendName;
  /** The preset whose SegNet recipe is trained on the stored dataset. */
  preset: PresetName;
  /** Cache budgets to compare, in MB; null: no limit. */
  budgetsMB: (number | null)[];
  /** Epochs per budget; the first warms the cache (and the backend), the rest are timed. */
  epochs: number;
  /** At most this many training images (all the stored ones with a mask when absent). */
  maxImages?: number;
}

/** One budget's epochs over the stored dataset. */
export interface BudgetRound {
  budgetMB: number | null;
  images: number;
  epochs: EpochTiming[];
  /** Records the training caches served from memory and read from IndexedDB in the timed epochs. */
  hits: number;
  misses: number;
}

export interface StreamingResult {
  backend: BackendName;
  inputSize: number;
  batchSize: number;
  /** Training images with a mask, and their bytes as stored (photo and mask). */
  images: number;
  storedBytes: number;
  rounds: BudgetRound[];
}

export interface ListRunsOptions {
  /** Seed-classifier runs to store, each with its optimizer state beside it. */
  runs: number;
  /** Floats of each run's optimizer state (Adam's two moments of the seed head: 2 x 67,112,963). */
  optimizerFloats: number;
}

export interface ListRunsResult {
  runs: number;
  /** Bytes of optimizer state stored per run. */
  stateBytes: number;
  /** `listRuns` on the page, as the app calls it: median of a few calls. */
  listMs: number;
  /** Bytes of the values IndexedDB handed back during one `listRuns`. */
  listBytesRead: number;
  /** One run in the layout before the run-data store, listed by reading the whole store. */
  legacyMs: number;
  legacyBytesRead: number;
}

export type WorkerMessage = BenchMessage<StreamingResult, BudgetRound>;
