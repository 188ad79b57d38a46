/**
 * The Segmentation stage: the SegNet runs stored in this browser, the one training now, its live
 * batch progress, and the actions on runs. Epoch figures arrive as deltas and are appended to the
 * run they belong to; the previews' pixels stay in IndexedDB (`previewEpoch` tells the view to
 * read them again).
 */
import type { StateCreator } from 'zustand';
import type { BatchProgress } from '../train/loop.ts';
import { listRuns, type RunRecord } from '../train/runs.ts';
import type { SegNetRun } from '../train/segnetTraining.ts';
import type { AppState } from './index.ts';
import { compute } from './runtimeSlice.ts';

export type JobState = 'idle' | 'running' | 'done' | 'error';

export interface SegmentationSlice {
  segmentation: {
    status: JobState;
    /** Newest first. */
    runs: SegNetRun[];
    /** The run shown in the charts: the one training, or the one the person picked. */
    selectedRunId: string | null;
    /** The run training in this page now. */
    activeRunId: string | null;
    batch: BatchProgress | null;
    stopping: boolean;
    /** The epoch of the latest previews, per run; bumps make the previews reload. */
    previewEpoch: Record<string, number>;
    error: string | null;
  };
  loadSegNetRuns: () => Promise<void>;
  /** Starts a new run with the chosen preset, or resumes a run from its last finished epoch. */
  trainSegNet: (resumeRunId?: string) => Promise<void>;
  stopTraining: () => Promise<void>;
  deleteSegNetRun: (runId: string) => Promise<void>;
  selectSegNetRun: (runId: string) => void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What the stage shows for stored runs when nothing trains in this page. */
function restingState(runs: RunRecord[]): { status: JobState; error: string | null } {
  const latest = runs[0];
  if (latest?.status === 'failed') return { status: 'error', error: latest.error ?? null };
  if (latest?.status === 'finished' || latest?.status === 'early-stop')
    return { status: 'done', error: null };
  return { status: 'idle', error: null };
}

export const createSegmentationSlice: StateCreator<AppState, [], [], SegmentationSlice> = (
  set,
  get,
) => {
  const patch = (p: Partial<SegmentationSlice['segmentation']>) =>
    set((state) => ({ segmentation: { ...state.segmentation, ...p } }));
  const updateRun = (runId: string, update: (run: SegNetRun) => SegNetRun) =>
    set((state) => ({
      segmentation: {
        ...state.segmentation,
        runs: state.segmentation.runs.map((r) => (r.id === runId ? update(r) : r)),
      },
    }));

  return {
    segmentation: {
      status: 'idle',
      runs: [],
      selectedRunId: null,
      activeRunId: null,
      batch: null,
      stopping: false,
      previewEpoch: {},
      error: null,
    },

    loadSegNetRuns: async () => {
      let runs: SegNetRun[];
      try {
        runs = (await listRuns('segnet')) as SegNetRun[];
      } catch (error) {
        patch({ status: 'error', error: `The stored runs could not be read: ${message(error)}` });
        return;
      }
      const { activeRunId, selectedRunId } = get().segmentation;
      patch({
        runs,
        selectedRunId: runs.some((r) => r.id === selectedRunId)
          ? selectedRunId
          : (runs[0]?.id ?? null),
        ...(activeRunId ? {} : restingState(runs)),
      });
    },

    trainSegNet: async (resumeRunId) => {
      if (get().segmentation.status === 'running') return;
      patch({ status: 'running', error: null, batch: null, stopping: false });
      try {
        const run = await compute().call(
          'trainSegNet',
          { preset: get().preset, ...(resumeRunId ? { resumeRunId } : {}) },
          (progress) => {
            if (progress.kind === 'run') {
              const others = get().segmentation.runs.filter((r) => r.id !== progress.run.id);
              patch({
                runs: [progress.run, ...others].sort((a, b) =>
                  b.createdAt.localeCompare(a.createdAt),
                ),
                activeRunId: progress.run.id,
                selectedRunId: progress.run.id,
              });
            } else if (progress.kind === 'batch') {
              patch({ batch: progress.progress });
            } else if (progress.kind === 'epoch') {
              const { figures, best } = progress;
              updateRun(progress.runId, (r) => ({
                ...r,
                history: [...r.history, figures],
                epochsDone: figures.epoch + 1,
                ...(best ? { bestEpoch: figures.epoch, bestValue: figures.valLoss } : {}),
              }));
              patch({
                previewEpoch: {
                  ...get().segmentation.previewEpoch,
                  [progress.runId]: figures.epoch,
                },
              });
            }
          },
        );
        updateRun(run.id, () => run);
        patch({
          status: run.status === 'stopped' ? 'idle' : 'done',
          activeRunId: null,
          batch: null,
          stopping: false,
        });
      } catch (error) {
        patch({ status: 'error', error: message(error), activeRunId: null, stopping: false });
      }
      await get().loadSegNetRuns();
    },

    stopTraining: async () => {
      if (get().segmentation.status !== 'running') return;
      patch({ stopping: true });
      await compute().call('stop', {});
    },

    deleteSegNetRun: async (runId) => {
      if (get().segmentation.activeRunId === runId) return;
      try {
        await compute().call('deleteRun', { runId, kind: 'segnet' });
      } catch (error) {
        patch({ error: message(error) });
      }
      await get().loadSegNetRuns();
    },

    selectSegNetRun: (selectedRunId) => patch({ selectedRunId }),
  };
};
