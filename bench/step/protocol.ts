/**
 * What the training-step benchmark's page, worker and driver (bench/step.ts) say to each other.
 * Types only: the Node side imports it too.
 */
import type { BackendName } from '../../src/pipeline/backends.ts';

export const STEP_MODELS = ['segnet', 'densenet121'] as const;
export type StepModel = (typeof STEP_MODELS)[number];

export interface StepRunOptions {
  backend: BackendName;
  model: StepModel;
  inputSize: number;
  batchSize: number;
  /** Timed steps, after one warm-up step. */
  steps: number;
  /** One more step under `tf.profile`, its kernels' times summed by kernel name. */
  profile: boolean;
  /** Threads for the WebAssembly backend (src/worker/wasmThreads.ts). */
  threads: number;
}

/** A kernel's share of a profiled step: its calls and their time (the GPU's, where it tells). */
export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

export interface StepRunResult {
  backend: BackendName;
  adapter: string;
  /** Seconds of each timed step (forward, backward, Adam update, loss read back). */
  stepSeconds: number[];
  /** The warm-up step (kernels compiled, memory first allocated). */
  warmUpSeconds: number;
  /** `tf.memory().numTensors` after the warm-up step and after the last. */
  numTensors: { first: number; last: number };
  /** With `profile`: every kernel of the profiled step, the slowest first. */
  kernels?: KernelTime[];
}

/** A finished step, sent as soon as it is measured. */
export interface StepRound {
  step: number;
  seconds: number;
}
