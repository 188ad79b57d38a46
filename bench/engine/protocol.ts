/** What the training engine's page (bench/engine/page.ts) is asked and answers. */
import type { DenseNetConfig } from '../../src/models/densenetConfig.ts';
import type { SegNetConfig } from '../../src/models/segnetConfig.ts';
import type { KernelSet } from '../../src/engine/recording.ts';

/**
 * What is trained: a SegNet on masks (the Dice loss), or a DenseNet classifier on one-hot labels
 * (the cross-entropy, weighted per class when `classWeights` is set), whole or, with `part`
 * 'head', a frozen run's head alone on backbone features.
 */
export type Network =
  | { kind: 'segnet'; config: SegNetConfig }
  | {
      kind: 'densenet';
      config: DenseNetConfig;
      classWeights: number[] | null;
      part?: 'whole' | 'head';
    };

export interface EngineCase {
  network: Network;
  optimizer: 'sgd-momentum' | 'adam';
  learningRate: number;
  momentum: number;
  batch: number;
  /** Steps of the loss-curve comparison (the first included). */
  steps: number;
  /** Seed of the batches. */
  seed: number;
  /**
   * How the engine's model gets the reference's weights: `shared`, set from them (sharing their
   * buffers until tfjs or the engine writes); `checkpoint`, loaded from a saved copy (held on
   * the CPU until first used, as a resumed run's are).
   */
  weights: 'shared' | 'checkpoint';
  /** Which adapter's kernels the engine uses; by default this adapter's (src/engine/recording.ts). */
  kernels?: KernelSet;
  /** A GPU's filter-gradient tiles: measured on the adapter (the default) or the fixed plan. */
  tiles?: 'measured' | 'plan';
}

export interface TensorError {
  name: string;
  /** Largest absolute difference over the largest magnitude of tfjs's tensor. */
  relative: number;
  /** Largest absolute difference. */
  absolute: number;
  /** Largest magnitude of tfjs's tensor. */
  scale: number;
}

export interface EngineCheck {
  case: EngineCase;
  /**
   * Activations on the other side of ReLU's kink in the first step: a pre-activation within
   * rounding of zero that one side computes just above and the other just below. Its gradient
   * then differs by that element's whole contribution, which no rounding tolerance covers.
   */
  reluFlips: number;
  /**
   * The same over the later steps, each against tfjs's forward pass with tfjs's weights: a flip
   * perturbs the later weights a little, and the perturbed ones cross more.
   */
  laterReluFlips: number;
  /** The first step's loss, engine and tfjs. */
  loss: [number, number];
  /** Every weight's gradient in the first step. */
  gradients: TensorError[];
  /** Every weight (moving statistics included) after the first step. */
  afterStep: TensorError[];
  /** Every weight after all the steps. */
  afterSteps: TensorError[];
  /** The loss of every step, engine and tfjs. */
  curve: [number, number][];
  /** Created and done per engine step after the first, over the later steps. */
  perStep: {
    buffers: number;
    bindGroups: number;
    pipelines: number;
    shaderModules: number;
    submits: number;
    mapAsync: number;
  };
  dispatchesPerStep: number;
  /** How the engine cut its filter gradients (TrainingEngine.tiles). */
  tiles: string;
  /** A checkpoint of the engine's model, loaded by tfjs: largest difference of its predictions. */
  checkpointError: number;
}

/**
 * What trains a row: the engine (`fused`), tfjs's trainOnBatch with tfjs's own kernels (`tfjs`),
 * or with the app's WebGPU convolutions in their place (`tfjs-own`: the app's tfjs path).
 */
export type EngineKind = 'fused' | 'tfjs' | 'tfjs-own';

/** One row of the engine benchmark: a model trained a few steps on one engine. */
export interface EngineTimingCase {
  /** What the model is, in words (e.g. "seed SegNet at 96 px"). */
  model: string;
  network: Network;
  optimizer: 'sgd-momentum' | 'adam';
  learningRate: number;
  momentum: number;
  batch: number;
  engine: EngineKind;
  /** Timed steps, after one that compiles. */
  steps: number;
  /** Which adapter's kernels the engine uses; by default this adapter's. */
  kernels?: KernelSet;
  /** A GPU's filter-gradient tiles: measured on the adapter (the default) or the fixed plan. */
  tiles?: 'measured' | 'plan';
  /** Time one more step's kernels by kind (EngineTiming.kernelMs). */
  profile?: boolean;
}

export interface EngineTiming {
  model: string;
  backend: 'webgpu';
  engine: EngineKind;
  batch: number;
  /** Input edge in pixels (of the features, for a frozen head). */
  size: number;
  imagesPerSecond: number;
  dispatchesPerStep: number;
  submitsPerStep: number;
  buffersCreatedPerStep: number;
  bindGroupsCreatedPerStep: number;
  /** JavaScript time from the step's start to its last submit: encoding, not the GPU's work. */
  encodeMsPerStep: number;
  /** The engine's filter-gradient tiles, in words (TrainingEngine.tiles). */
  tiles?: string;
  /**
   * GPU milliseconds of one step by kernel, largest first, from timestamp queries (each kernel
   * timed in a pass of its own), where the adapter has them and the case asked.
   */
  kernelMs?: [string, number][];
  /** The same step's slowest dispatches (the engine's) or kernels (tfjs's), with their ms. */
  slowest?: [string, number][];
}

/** What `checkDropout` measures of the engine's dropout in a classifier's head. */
export interface DropoutCheck {
  rate: number;
  /** Share of the dropout's outputs that are zero where its input is not. */
  dropped: number;
  /** Largest |kept - input / (1 - rate)| over the kept outputs, relative to the largest input. */
  scaleError: number;
  /** Share of the elements whose kept-or-dropped state differs between two steps. */
  changed: number;
}
