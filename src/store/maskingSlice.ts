/**
 * The Masking stage: which masks to apply (a SegNet run's best checkpoint, or the ground truth), the
 * job's progress, and the stored result's summary (scores, not pixels).
 */
import type { StateCreator } from 'zustand';
import { loadMaskingSummary } from '../dataset/storage.ts';
import type { MaskingOptions, MaskingProgress } from '../masking/apply.ts';
import type { MaskSource, MaskingSummary } from '../masking/summary.ts';
import { withJobLock } from '../storage/jobLock.ts';
import type { AppState } from './index.ts';
import { compute } from './runtimeSlice.ts';
import type { JobState } from './trainingSlice.ts';
import { errorText } from '../lib/errorText.ts';

export interface MaskingSlice {
  masking: {
    status: JobState;
    progress: MaskingProgress | null;
    summary: MaskingSummary | null;
    /** The last job was stopped: nothing was kept. */
    stopped: boolean;
    error: string | null;
  };
  loadMasking: () => Promise<void>;
  applyMasks: (source: MaskSource, options: MaskingOptions) => Promise<void>;
  stopMasking: () => Promise<void>;
}

export const createMaskingSlice: StateCreator<AppState, [], [], MaskingSlice> = (set, get) => {
  const patch = (p: Partial<MaskingSlice['masking']>) =>
    set((state) => ({ masking: { ...state.masking, ...p } }));

  return {
    masking: { status: 'idle', progress: null, summary: null, stopped: false, error: null },

    loadMasking: async () => {
      let summary: MaskingSummary | null;
      try {
        summary = (await loadMaskingSummary<MaskingSummary>()) ?? null;
      } catch (error) {
        patch({
          status: 'error',
          error: `The masked images could not be read: ${errorText(error)}`,
        });
        return;
      }
      patch({
        summary,
        ...(get().masking.status === 'running' ? {} : { status: summary ? 'done' : 'idle' }),
      });
    },

    applyMasks: async (source, options) => {
      if (get().masking.status === 'running') return;
      patch({ status: 'running', progress: null, error: null, stopped: false, summary: null });
      try {
        const { summary } = await get().runJob('applying masks', () =>
          withJobLock('applying masks', () =>
            compute().call('applyMasks', { source, options }, (progress) => {
              if (progress.kind === 'masking') patch({ progress });
            }),
          ),
        );
        patch({ status: summary ? 'done' : 'idle', summary, stopped: !summary });
      } catch (error) {
        patch({ status: 'error', error: errorText(error) });
      }
    },

    stopMasking: async () => {
      if (get().masking.status === 'running') await compute().call('stop', {});
    },
  };
};
