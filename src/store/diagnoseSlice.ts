/**
 * The Diagnose stage: one photo at a time through the worker. The store keeps the figures (scores,
 * timings, models used) and, only when the person asks, a list of this session's photos and their
 * scores; the images themselves (photo, mask, heat map) stay out of the store, in diagnoseImages.ts.
 * The patient's age and sex and the lesion's site, where the person gives them, are kept for this
 * tab only (never stored: they are patient data) and weigh the shown scores
 * (src/metrics/clinicalScores.ts).
 */
import type { StateCreator } from 'zustand';
import type { DiagnoseResult } from '../diagnose/diagnose.ts';
import { NO_CLINICAL, shownScores } from '../metrics/clinicalScores.ts';
import type { ClinicalValues } from '../metrics/clinical.ts';
import { setDiagnoseImages } from './diagnoseImages.ts';
import { errorText } from '../lib/errorText.ts';
import type { AppState } from './index.ts';
import { compute } from './runtimeSlice.ts';
import type { JobState } from './trainingSlice.ts';

export type DiagnoseFigures = Omit<DiagnoseResult, 'preview' | 'mask' | 'masked' | 'heat'> & {
  name: string;
};

export interface DiagnoseSlice {
  diagnose: {
    status: JobState;
    /** The latest photo's figures; its images are in diagnoseImages.ts. */
    result: DiagnoseFigures | null;
    error: string | null;
    /** Keep a list of this session's photos (never stored: it is patient data). */
    keepHistory: boolean;
    history: DiagnoseFigures[];
    /** Age, sex and site as given for the photo; each null until given. */
    clinical: ClinicalValues;
  };
  diagnosePhoto: (photo: File) => Promise<void>;
  /** Sets what is given of age, sex and site, and recomputes the shown scores with them. */
  setClinical: (values: Partial<ClinicalValues>) => void;
  setKeepHistory: (keep: boolean) => void;
  clearHistory: () => void;
}

/** The figures with their scores as shown for `clinical`. */
const withScores = (figures: DiagnoseFigures, clinical: ClinicalValues): DiagnoseFigures => ({
  ...figures,
  ...shownScores(figures, clinical),
});

export const createDiagnoseSlice: StateCreator<AppState, [], [], DiagnoseSlice> = (set, get) => {
  const patch = (p: Partial<DiagnoseSlice['diagnose']>) =>
    set((s) => ({ diagnose: { ...s.diagnose, ...p } }));
  return {
    diagnose: {
      status: 'idle',
      result: null,
      error: null,
      keepHistory: false,
      history: [],
      clinical: NO_CLINICAL,
    },

    diagnosePhoto: async (photo) => {
      if (get().diagnose.status === 'running') return;
      patch({ status: 'running', error: null });
      try {
        const classifierRunId = get().evaluation.runId ?? undefined;
        const result = await get().runJob('diagnosing a photo', () =>
          compute().call('diagnose', { photo, ...(classifierRunId ? { classifierRunId } : {}) }),
        );
        const { preview, mask, masked, heat, ...figures } = result;
        setDiagnoseImages({ preview, mask, masked, heat });
        const named = withScores({ ...figures, name: photo.name }, get().diagnose.clinical);
        const { keepHistory, history } = get().diagnose;
        patch({
          status: 'done',
          result: named,
          history: keepHistory ? [named, ...history] : history,
        });
      } catch (error) {
        // The previous photo's result goes: left on screen it would read as this photo's.
        setDiagnoseImages(null);
        patch({ status: 'error', result: null, error: `${photo.name}: ${errorText(error)}` });
      }
    },

    setClinical: (values) => {
      const clinical = { ...get().diagnose.clinical, ...values };
      const { result, history } = get().diagnose;
      const next = result && withScores(result, clinical);
      // The list shows the latest photo as its scores stand now.
      const [latest, ...rest] = history;
      patch({
        clinical,
        result: next,
        history: next && latest === result ? [next, ...rest] : history,
      });
    },

    setKeepHistory: (keepHistory) =>
      patch(keepHistory ? { keepHistory } : { keepHistory, history: [] }),
    clearHistory: () => patch({ history: [] }),
  };
};
