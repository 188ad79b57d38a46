/**
 * Training, for both models (the SegNet and the classifier): the runs stored in this browser, the
 * one training now, its live batch progress, and the actions on runs (train or resume, stop,
 * delete, export, import). Epoch figures arrive as deltas and are appended to the run they belong
 * to; pixels and predictions stay in IndexedDB (`previewEpoch` tells the views to read them again).
 */
import type { StateCreator } from 'zustand';
import { isDenseNet121 } from '../models/densenetConfig.ts';
import { BACKEND_LABELS } from '../pipeline/backends.ts';
import { PRESET_TABLE, type SegNetTraining } from '../pipeline/presets.ts';
import type { ClassifierConfig } from '../training/classifierConfig.ts';
import type { ExportedModel } from '../runs/exchange.ts';
import type { BatchProgress } from '../training/loop.ts';
import { listRuns, type ModelKind, type RunRecord } from '../runs/runs.ts';
import type { ComputeProgress } from '../worker/protocol.ts';
import { JobBusyError, withJobLock } from '../storage/jobLock.ts';
import { errorText } from '../lib/errorText.ts';
import type { AppState } from './index.ts';
import { compute } from './runtimeSlice.ts';

export type JobState = 'idle' | 'running' | 'done' | 'error';

export interface TrainingState<Config> {
  status: JobState;
  /** Newest first. */
  runs: RunRecord<Config>[];
  /** The run shown in the charts: the one training, or the one the person picked. */
  selectedRunId: string | null;
  /** The run training in this page now. */
  activeRunId: string | null;
  batch: BatchProgress | null;
  /** Work before the first epoch: timing the backends, a frozen backbone's features. */
  preparing: { what: string; done: number; total: number; unit: string } | null;
  stopping: boolean;
  /** The epoch of the latest previews or predictions, per run; bumps make the views reload. */
  previewEpoch: Record<string, number>;
  error: string | null;
}

export interface TrainingStates {
  segnet: TrainingState<SegNetTraining>;
  classifier: TrainingState<ClassifierConfig>;
}

export interface TrainingSlice {
  training: TrainingStates;
  loadRuns: (kind: ModelKind) => Promise<void>;
  /** Starts a new run with the chosen preset, or resumes a run from its last finished epoch. */
  train: (kind: ModelKind, resumeRunId?: string) => Promise<void>;
  stopTraining: () => Promise<void>;
  deleteRun: (kind: ModelKind, runId: string) => Promise<void>;
  selectRun: (kind: ModelKind, runId: string) => void;
  /** The run's best checkpoint as files to download; null (with the error shown) if it failed. */
  exportRun: (kind: ModelKind, runId: string) => Promise<ExportedModel | null>;
  /** Stores a model exported earlier as a run; its kind's list shows it. */
  importModel: (files: File[]) => Promise<void>;
}

function idle<Config>(): TrainingState<Config> {
  return {
    status: 'idle',
    runs: [],
    selectedRunId: null,
    activeRunId: null,
    batch: null,
    preparing: null,
    stopping: false,
    previewEpoch: {},
    error: null,
  };
}

/** What a stage shows for stored runs when nothing trains in this page. */
function restingState(runs: RunRecord[]): { status: JobState; error: string | null } {
  const latest = runs[0];
  if (latest?.status === 'failed') return { status: 'error', error: latest.error ?? null };
  if (latest?.status === 'finished' || latest?.status === 'early-stop')
    return { status: 'done', error: null };
  return { status: 'idle', error: null };
}

type AnyState = TrainingState<unknown>;

/** Each model's training, as other tabs name it. */
const JOBS: Record<ModelKind, string> = {
  segnet: 'training the SegNet',
  classifier: 'training the classifier',
};

export const createTrainingSlice: StateCreator<AppState, [], [], TrainingSlice> = (set, get) => {
  const state = (kind: ModelKind) => get().training[kind] as AnyState;
  const patch = (kind: ModelKind, p: Partial<AnyState>) =>
    set((s) => ({ training: { ...s.training, [kind]: { ...s.training[kind], ...p } } }));
  const updateRun = (kind: ModelKind, runId: string, update: (run: RunRecord) => RunRecord) =>
    patch(kind, { runs: state(kind).runs.map((r) => (r.id === runId ? update(r) : r)) });

  const onProgress = (kind: ModelKind) => (progress: ComputeProgress) => {
    switch (progress.kind) {
      case 'run': {
        const others = state(kind).runs.filter((r) => r.id !== progress.run.id);
        patch(kind, {
          runs: [progress.run, ...others].sort((a, b) => b.createdAt.localeCompare(a.createdAt)),
          activeRunId: progress.run.id,
          selectedRunId: progress.run.id,
        });
        break;
      }
      case 'prepare':
        patch(kind, {
          preparing: {
            what: `Computing the ${progress.what}`,
            done: progress.done,
            total: progress.total,
            unit: 'images',
          },
        });
        break;
      case 'batch':
        patch(kind, { batch: progress.progress, preparing: null });
        break;
      case 'epoch': {
        const { figures, best, runId } = progress;
        updateRun(kind, runId, (r) => ({
          ...r,
          history: [...r.history, figures],
          epochsDone: figures.epoch + 1,
          ...(best ? { bestEpoch: figures.epoch } : {}),
        }));
        patch(kind, { previewEpoch: { ...state(kind).previewEpoch, [runId]: figures.epoch } });
        break;
      }
    }
  };

  return {
    training: { segnet: idle(), classifier: idle() },

    loadRuns: async (kind) => {
      let runs: RunRecord[];
      try {
        runs = await listRuns(kind);
      } catch (error) {
        patch(kind, {
          status: 'error',
          error: `The stored runs could not be read: ${errorText(error)}`,
        });
        return;
      }
      const { activeRunId, selectedRunId } = state(kind);
      patch(kind, {
        runs,
        selectedRunId: runs.some((r) => r.id === selectedRunId)
          ? selectedRunId
          : (runs[0]?.id ?? null),
        ...(activeRunId ? {} : restingState(runs)),
      });
    },

    train: async (kind, resumeRunId) => {
      if (state(kind).status === 'running') return;
      patch(kind, {
        status: 'running',
        error: null,
        batch: null,
        preparing: null,
        stopping: false,
      });
      const resume = resumeRunId ? { resumeRunId } : {};
      const { preset } = get();
      const { choices, usePretrained, pretrained } = get().classifier;
      // ImageNet weights fit DenseNet-121 only, not the quick preset's tiny DenseNet.
      const withWeights =
        usePretrained &&
        pretrained !== null &&
        isDenseNet121(PRESET_TABLE[preset].classifier.model);
      try {
        const run = await get().runJob(JOBS[kind], () =>
          withJobLock(JOBS[kind], async () => {
            await get().prepareBackend(
              kind === 'segnet'
                ? { model: 'segnet', preset }
                : { model: 'classifier', preset, mode: choices.mode },
              ({ backend, done, total }) =>
                patch(kind, {
                  preparing: {
                    what: `Choosing the fastest backend: timing one training step on ${BACKEND_LABELS[backend]}`,
                    done,
                    total,
                    unit: 'backends timed',
                  },
                }),
            );
            patch(kind, { preparing: null });
            return kind === 'segnet'
              ? await compute().call(
                  'trainSegNet',
                  { preset, engine: get().runtime.engine, ...resume },
                  onProgress(kind),
                )
              : await compute().call(
                  'trainClassifier',
                  {
                    preset,
                    choices,
                    pretrained: withWeights,
                    engine: get().runtime.engine,
                    ...resume,
                  },
                  onProgress(kind),
                );
          }),
        );
        updateRun(kind, run.id, () => run);
        await get().loadRuns(kind);
        patch(kind, {
          status: run.status === 'stopped' ? 'idle' : 'done',
          activeRunId: null,
          batch: null,
          preparing: null,
          stopping: false,
        });
      } catch (error) {
        // The runs first: a failure before the run was stored has no record to show it. (Refused
        // for another tab's job, nothing changed here.)
        if (!(error instanceof JobBusyError)) await get().loadRuns(kind);
        patch(kind, {
          status: 'error',
          error: errorText(error),
          activeRunId: null,
          preparing: null,
          stopping: false,
        });
      }
    },

    stopTraining: async () => {
      const running = (['segnet', 'classifier'] as const).filter(
        (k) => state(k).status === 'running',
      );
      if (running.length === 0) return;
      for (const kind of running) patch(kind, { stopping: true });
      await compute().call('stop', {});
    },

    deleteRun: async (kind, runId) => {
      if (state(kind).activeRunId === runId) return;
      try {
        await withJobLock('deleting a run', () => compute().call('deleteRun', { runId, kind }));
      } catch (error) {
        patch(kind, { error: errorText(error) });
      }
      await get().loadRuns(kind);
    },

    selectRun: (kind, selectedRunId) => patch(kind, { selectedRunId }),

    exportRun: async (kind, runId) => {
      try {
        return await compute().call('exportModel', { runId, kind });
      } catch (error) {
        patch(kind, { error: errorText(error) });
        return null;
      }
    },

    importModel: async (files) => {
      try {
        const run = await get().runJob('importing a model', () =>
          withJobLock('importing a model', () => compute().call('importModel', { files })),
        );
        await get().loadRuns(run.kind);
        patch(run.kind, { selectedRunId: run.id, error: null });
      } catch (error) {
        patch('classifier', { error: errorText(error) });
      }
    },
  };
};
