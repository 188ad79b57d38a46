/**
 * What the DenseNet training benchmark's page, worker and driver (bench/densenet.ts) say to each
 * other, and the recipe they measure. No tfjs here: the Node side imports it too.
 */
import type { BackendName } from '../../src/pipeline/backends.ts';
import { PRESET_TABLE, type ClassifierTraining } from '../../src/pipeline/presets.ts';
import type { EpochTiming, WorkerMessage as BenchMessage } from '../common/protocol.ts';

export type { EpochTiming };

/**
 * Which DenseNet: `121` is DENSENET_121_BACKBONE (Keras' DenseNet-121 with a pooled softmax head)
 * in the recommended preset's recipe; `quick` is DENSENET_QUICK in the quick preset's recipe, for a
 * machine without a real GPU; `cpu` is the cpu preset's DenseNet-BC in its recipe.
 */
export type DenseNetBenchConfig = '121' | 'quick' | 'cpu';
export const DENSENET_BENCH_CONFIGS: readonly DenseNetBenchConfig[] = ['121', 'quick', 'cpu'];

/** `fine-tune` trains every layer on augmented photos; `frozen` trains the head on stored features. */
export type DenseNetBenchMode = 'fine-tune' | 'frozen';
export const DENSENET_BENCH_MODES: readonly DenseNetBenchMode[] = ['fine-tune', 'frozen'];

/** The classifier recipe measured: the preset's, at this input size and batch size. */
export function benchTraining(
  config: DenseNetBenchConfig,
  inputSize: number,
  batchSize: number,
): ClassifierTraining {
  const preset = PRESET_TABLE[config === '121' ? 'recommended' : config].classifier;
  return { ...preset, model: { ...preset.model, inputSize }, batchSize };
}

export interface DenseNetRunOptions {
  backend: BackendName;
  mode: DenseNetBenchMode;
  config: DenseNetBenchConfig;
  /** The model's input edge (the records are resized to it, as the app does). */
  inputSize: number;
  batchSize: number;
  /**
   * Training samples per timed epoch, a whole number of batches. Every second one is an
   * oversampled copy (`key#1`) of the one before, as balancing by oversampling makes them.
   */
  images: number;
  /** Validation images the app's loop predicts after each epoch (not timed). */
  valImages: number;
  /**
   * Rounds; the first is a warm-up of one batch (and, frozen, one whole feature pass), each later
   * one an epoch (five of the frozen head).
   */
  epochs: number;
  /** Edge of the stored masked records, as the Masking stage writes them (256 by default). */
  storedSize: number;
}

/**
 * What is timed, per round:
 * - `app`: the app's `trainLoop` over IndexedDB (fine-tune: masked photos via `maskedSource`,
 *   augmented by `classifierAugmentation`; frozen: the head on stored features, `featureSource`);
 * - `fit`: bare `model.fit` of the same model (fine-tune: the whole DenseNet; frozen: the head) on
 *   tensors made beforehand, same shapes and batch size;
 * - `pipeline` (fine-tune): the app's input pipeline alone, read + augment, no training;
 * - `features` (frozen): the app's `computeFeatures` over the training and validation samples;
 * - `predict` (frozen): bare `backbone.predict` on as many pre-made photos, same batch.
 */
export type Timed = 'app' | 'fit' | 'pipeline' | 'features' | 'predict';

export interface DenseNetRound {
  /** 1-based; round 1 is the warm-up. */
  epoch: number;
  /** Which of the app and bare tfjs ran first this round (it alternates). */
  first: 'app' | 'bare';
  timings: Partial<Record<Timed, EpochTiming>>;
  /** `tf.memory().numTensors` once the round is over (the app's validation included). */
  numTensors: number;
  /**
   * The GPU backends' own memory figures once the round is over, in MiB: bytes in live tensors,
   * and bytes the backend holds (tfjs keeps released buffers and textures for reuse, by exact size).
   */
  gpuMiB?: { used: number; held: number };
  /** Wall-clock seconds of the whole round (validation, storage and warm-up included). */
  seconds: number;
}

export interface DenseNetRunResult {
  backend: BackendName;
  adapter: string;
  tfjsVersion: string;
  /** Seconds to store the synthetic masked records. */
  setupSeconds: number;
  /** The backbone's output per sample, and the app's feature batch (FEATURE_BATCH), frozen mode. */
  featureShape?: number[];
  featureBatch?: number;
  rounds: DenseNetRound[];
}

export type WorkerMessage = BenchMessage<DenseNetRunResult, DenseNetRound>;
