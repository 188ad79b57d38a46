/**
 * What the Diagnose latency benchmark's page, worker and driver (bench/diagnose.ts) say to each
 * other. No tfjs here: the Node side imports it too.
 */
import type { BackendName } from '../../src/pipeline/backends.ts';
import type { WorkerMessage as BenchMessage } from '../common/protocol.ts';

export interface DiagnoseRunOptions {
  backend: BackendName;
  /** Warm calls after the first (cold) one, of the app and of bare `predict` each. */
  warmRuns: number;
  /** The synthetic photo's size (a JPEG, as a person's camera gives). */
  photoWidth: number;
  photoHeight: number;
}

/** One call: the app's `diagnose`, or bare `predict` of both models. */
export interface DiagnoseCall {
  ms: number;
  /** `tf.memory().numTensors` once the call is over. */
  numTensors: number;
  /** The app's own per-step timings (`result.timings`). */
  steps?: { step: string; ms: number }[];
}

export interface DiagnoseRunResult {
  backend: BackendName;
  adapter: string;
  tfjsVersion: string;
  /** The two models' input shapes (one photo). */
  segnetInput: number[];
  classifierInput: number[];
  /** Bytes of the synthetic JPEG. */
  photoBytes: number;
  /** Seconds to build and store the models and make the photo. */
  setupSeconds: number;
  /** The first call, then the warm ones. */
  app: DiagnoseCall[];
  bare: DiagnoseCall[];
}

export type WorkerMessage = BenchMessage<DiagnoseRunResult>;
