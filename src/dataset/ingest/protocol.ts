/** The ingest worker's API: read dropped files into the stored dataset, off the main thread. */
import type { DroppedItem } from './sources.ts';

export interface IngestParams {
  items: DroppedItem[];
  /** Folders that held no file at all (from a drop), each reported. */
  emptyFolders: string[];
  /** Edge of the stored square images until the first image or mask is stored (then fixed). */
  storedSize: number;
  /**
   * Decode and store images of other definite diagnoses (basal cell carcinoma, dermatofibroma…)
   * rather than leave them out, so a classifier can learn them as an "other" class.
   */
  keepOther?: boolean;
}

export interface IngestProgress {
  phase: 'reading' | 'decoding';
  /** Files finished (decoded or refused) of `total`. */
  done: number;
  total: number;
  imagesPerSecond: number;
  /** null until the rate is known. */
  secondsLeft: number | null;
  current: string;
}

export interface IngestResult {
  images: number;
  masks: number;
  labelRows: number;
  /** Files already in the dataset, skipped. */
  alreadyStored: number;
  /** Images of diagnoses outside the three classes, not decoded. */
  leftOut: number;
  /** Of the images stored, those of other diagnoses (kept for an "other" class). */
  other: number;
  cancelled: boolean;
  seconds: number;
}

export type IngestApi = {
  /** Loads the dataset and takes back records a reload left out of the manifest. */
  open: { params: Record<string, never>; result: { recovered: number } };
  ingest: { params: IngestParams; result: IngestResult };
  /** Stops a running ingest after the files in flight; what is stored stays. */
  cancel: { params: Record<string, never>; result: { cancelled: boolean } };
  /** Deletes the whole dataset (stopping any ingest first). */
  delete: { params: Record<string, never>; result: null };
};
