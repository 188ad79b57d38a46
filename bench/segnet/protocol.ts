/**
 * What the SegNet training benchmark's page, worker and driver (bench/segnet.ts) say to each other.
 * Types only: the Node side imports it too.
 */
import type { BackendName } from '../../src/pipeline/backends.ts';
import type { PresetName } from '../../src/pipeline/presets.ts';
import type { EpochTiming, WorkerMessage as BenchMessage } from '../common/protocol.ts';

export type { EpochTiming };

export interface SegNetRunOptions {
  backend: BackendName;
  /** The preset whose SegNet recipe (model, optimizer, batch size, augmentation) is measured. */
  preset: PresetName;
  /** Training images; a whole number of batches, so the app and `model.fit` see the same steps. */
  images: number;
  /** Validation images the app's loop evaluates after each epoch (not timed). */
  valImages: number;
  epochs: number;
  /** Edge of the stored records, as the Dataset stage writes them (256 by default). */
  storedSize: number;
}

/** One epoch of each: the app's loop and bare `model.fit` take turns. */
export interface Round {
  /** 1-based. */
  epoch: number;
  /** Which of the two ran first this round (it alternates). */
  first: 'app' | 'fit';
  /** The app's trainLoop: batches from IndexedDB, augmented, one trainOnBatch each. */
  app: EpochTiming;
  /** Bare `model.fit` on tensors made beforehand, same shapes and batch size. */
  fit: EpochTiming;
  /** The app's input pipeline alone (read from IndexedDB, augment, wait), no training. */
  pipeline: EpochTiming;
  /** `tf.memory().numTensors` once both have finished the epoch (the app with its validation). */
  numTensors: number;
}

export interface SegNetRunResult {
  backend: BackendName;
  adapter: string;
  tfjsVersion: string;
  inputSize: number;
  batchSize: number;
  rounds: Round[];
}

export type WorkerMessage = BenchMessage<SegNetRunResult, Round>;
