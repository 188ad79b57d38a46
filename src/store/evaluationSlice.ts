/**
 * The Evaluation stage: which classifier run and split, the stored predictions of that pair (read
 * from IndexedDB, made by the worker), the operating threshold, and a second run to compare.
 * Metrics are derived on the page from the predictions (src/metrics), never stored here.
 */
import type { StateCreator } from 'zustand';
import type { EvaluationProgress } from '../evaluation/evaluate.ts';
import { loadEvaluation, type EvalSplit, type EvaluationRecord } from '../evaluation/record.ts';
import { withJobLock } from '../storage/jobLock.ts';
import { errorText } from '../lib/errorText.ts';
import type { AppState } from './index.ts';
import { compute } from './runtimeSlice.ts';
import type { JobState } from './trainingSlice.ts';

export interface EvaluationSlice {
  evaluation: {
    status: JobState;
    runId: string | null;
    split: EvalSplit;
    /** Melanoma decisions are `p_melanoma >= threshold`. */
    threshold: number;
    /**
     * Show the test-time augmented predictions (TTA) and the calibrated ones, where the evaluation
     * has them; null until the person ticks or unticks the box: the default then applies
     * (ui/evaluation/probabilityView.ts).
     */
    tta: boolean | null;
    calibrated: boolean | null;
    /** Calibrated with clinical data too, where fitted; null: the default. */
    clinical: boolean | null;
    progress: EvaluationProgress | null;
    record: EvaluationRecord | null;
    /** Another run's predictions on the same split, overlaid. */
    compare: EvaluationRecord | null;
    compareRunId: string | null;
    error: string | null;
  };
  /** Picks the run (the latest with a checkpoint when null) and reads its stored predictions. */
  showEvaluation: (runId?: string | null, split?: EvalSplit) => Promise<void>;
  evaluate: () => Promise<void>;
  setThreshold: (threshold: number) => void;
  setProbabilityChoice: (choice: {
    tta?: boolean;
    calibrated?: boolean;
    clinical?: boolean;
  }) => void;
  compareWith: (runId: string | null) => Promise<void>;
}

export const createEvaluationSlice: StateCreator<AppState, [], [], EvaluationSlice> = (
  set,
  get,
) => {
  const patch = (p: Partial<EvaluationSlice['evaluation']>) =>
    set((s) => ({ evaluation: { ...s.evaluation, ...p } }));
  const read = async (runId: string | null, split: EvalSplit) =>
    runId ? ((await loadEvaluation(runId, split)) ?? null) : null;
  // Reads of stored predictions can finish out of order (a large run's read is slower): each keeps
  // its result only if no later choice was made meanwhile. One counter for the run and split shown,
  // one for the run compared (which both actions read).
  let shown = 0;
  let compared = 0;

  return {
    evaluation: {
      status: 'idle',
      runId: null,
      split: 'val',
      threshold: 0.5,
      tta: null,
      calibrated: null,
      clinical: null,
      progress: null,
      record: null,
      compare: null,
      compareRunId: null,
      error: null,
    },

    showEvaluation: async (runId, split) => {
      const current = get().evaluation;
      const usable = get().training.classifier.runs.filter((r) => r.bestEpoch !== null);
      const chosen =
        runId === undefined || runId === null
          ? usable.some((r) => r.id === current.runId)
            ? current.runId
            : (usable[0]?.id ?? null)
          : runId;
      const nextSplit = split ?? current.split;
      patch({ runId: chosen, split: nextSplit, error: null });
      const request = ++shown;
      const compareRequest = ++compared;
      try {
        const [record, compare] = await Promise.all([
          read(chosen, nextSplit),
          read(current.compareRunId, nextSplit),
        ]);
        if (compareRequest === compared) patch({ compare });
        if (request !== shown || get().evaluation.status === 'running') return;
        patch({ record, status: record ? 'done' : 'idle' });
      } catch (error) {
        if (request === shown) patch({ status: 'error', error: errorText(error) });
      }
    },

    evaluate: async () => {
      const { runId, split, status } = get().evaluation;
      if (!runId || status === 'running') return;
      patch({ status: 'running', progress: null, error: null });
      try {
        const record = await get().runJob('evaluating a classifier run', () =>
          withJobLock('evaluating a classifier run', () =>
            compute().call('evaluate', { runId, split }, (progress) => {
              if (progress.kind === 'evaluation') patch({ progress });
            }),
          ),
        );
        patch({ status: record ? 'done' : 'idle', record, progress: null });
        // The run now keeps this evaluation's calibrations (Diagnose reads them from the store).
        if (record) await get().loadRuns('classifier');
      } catch (error) {
        patch({ status: 'error', error: errorText(error), progress: null });
      }
    },

    setThreshold: (threshold) => patch({ threshold: Math.min(1, Math.max(0, threshold)) }),

    setProbabilityChoice: (choice) => patch(choice),

    compareWith: async (compareRunId) => {
      patch({ compareRunId, compare: null });
      const request = ++compared;
      if (!compareRunId) return;
      try {
        const compare = await read(compareRunId, get().evaluation.split);
        if (request === compared) patch({ compare });
      } catch (error) {
        if (request === compared) patch({ error: errorText(error) });
      }
    },
  };
};
