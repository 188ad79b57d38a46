/**
 * The compute worker's API (the worker owns tfjs): each request's params, result and progress.
 * The request/reply machinery is shared with the other workers (rpc.ts).
 */
import type { BackendChoice, BackendName } from '../pipeline/backends.ts';
import type { DiagnoseParams, DiagnoseResult } from '../diagnose/diagnose.ts';
import type { EvaluateParams, EvaluationProgress } from '../evaluation/evaluate.ts';
import type { EvaluationRecord } from '../evaluation/record.ts';
import type { ApplyMasksResult, MaskingOptions, MaskingProgress } from '../masking/apply.ts';
import type { MaskSource } from '../masking/summary.ts';
import type {
  ClassifierProgress,
  ClassifierRun,
  TrainClassifierParams,
} from '../training/classifierConfig.ts';
import type { ExportedModel } from '../runs/exchange.ts';
import type { PretrainedInfo } from '../runs/pretrainedInfo.ts';
import type { ModelKind, RunRecord } from '../runs/runs.ts';
import type { SegNetProgress, SegNetRun, TrainSegNetParams } from '../training/segnetTraining.ts';
import type { StepTiming, StepTimingParams } from '../training/stepTiming.ts';

/** One backend the worker tried while starting, and how that went. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it was rejected, in words a person can act on. */
  reason?: string;
  /** Time to initialise and verify it. */
  ms: number;
}

export interface BackendInfo {
  backend: BackendName;
  /**
   * The device in words: the GPU adapter (e.g. "google swiftshader"), the WebAssembly build and
   * its threads, or the CPU's thread count.
   */
  adapter: string;
  /**
   * True when the request named this backend rather than 'auto'; the page clears it for a backend
   * it picked by measurement, so it means the person forced it (`?backend=` or the performance panel).
   */
  forced: boolean;
  attempts: BackendAttempt[];
  tfjsVersion: string;
}

export interface BackendCheck {
  backend: BackendName;
  /** The operation that ran, in words. */
  op: string;
  /** Largest absolute difference from a plain-JavaScript reference. */
  maxAbsError: number;
  /** Wall time of the op including the read-back, after a warm-up run. */
  ms: number;
}

/**
 * What long requests stream back: training its run, the work before its first epoch (a frozen
 * backbone's features), then each batch and epoch; masking and evaluation their images done.
 */
export type ComputeProgress =
  SegNetProgress | ClassifierProgress | MaskingProgress | EvaluationProgress;

/** Every request the worker serves: its parameters, its result, and its progress payload. */
export type ComputeApi = {
  /**
   * Pick and verify a backend; comes first, and again to switch. Refused while a job runs (and
   * jobs are refused while it switches): a job starts and ends on one backend.
   */
  /** `threads`: the WebAssembly backend's (?threads=); every logical core when absent. */
  init: { params: { backend: BackendChoice; threads?: number }; result: BackendInfo };
  /** Run a known matrix product on the active backend and compare it with a reference. */
  checkBackend: { params: { size: number }; result: BackendCheck };
  /** Train a new SegNet run, or resume one; streams batch and epoch progress. */
  trainSegNet: { params: TrainSegNetParams; result: SegNetRun };
  /** Train a new classifier run, or resume one; streams feature, batch and epoch progress. */
  trainClassifier: { params: TrainClassifierParams; result: ClassifierRun };
  /** Check dropped Keras DenseNet-121 ImageNet weights (tfjs Layers files) and keep them. */
  importPretrained: { params: { files: File[] }; result: PretrainedInfo };
  deletePretrained: { params: Record<string, never>; result: null };
  /** A run's best checkpoint as tfjs Layers files (model.json text, weights transferred). */
  exportModel: { params: { runId: string; kind: ModelKind }; result: ExportedModel };
  /** Store a model exported by Lesion Lab as a run of this browser. */
  importModel: { params: { files: File[] }; result: RunRecord };
  /** Predict a split with a classifier run's best checkpoint and store the predictions. */
  evaluate: { params: EvaluateParams; result: EvaluationRecord | null };
  /** One photo through the SegNet and the classifier, with Grad-CAM; models stay loaded. */
  diagnose: { params: DiagnoseParams; result: DiagnoseResult };
  /** Stop the running job after its current batch: training, masking or evaluation. */
  stop: { params: Record<string, never>; result: { stopped: boolean } };
  /**
   * Delete a run: its checkpoints, optimizer state, previews and record, and for a classifier its
   * cached features and evaluations.
   */
  deleteRun: { params: { runId: string; kind: ModelKind }; result: null };
  /** Mask every stored image with a SegNet run's best checkpoint or the ground truth. */
  applyMasks: {
    params: { source: MaskSource; options: MaskingOptions };
    result: ApplyMasksResult;
  };
};

/** A probe worker's API (src/worker/probe.worker.ts): one timed training step on one backend. */
export type ProbeApi = { timeStep: { params: StepTimingParams; result: StepTiming } };
