/**
 * The Classifier stage's own choices: the person's changes to the preset's recipe, and the
 * ImageNet weights imported into this browser (whether to start from them). Its runs and training
 * state are in the training slice, shared with the SegNet.
 */
import type { StateCreator } from 'zustand';
import type { ClassifierChoices } from '../pipeline/presets.ts';
import { loadPretrainedInfo, type PretrainedInfo } from '../runs/pretrainedInfo.ts';
import { withJobLock } from '../storage/jobLock.ts';
import { errorText } from '../lib/errorText.ts';
import type { AppState } from './index.ts';
import { compute } from './runtimeSlice.ts';

export interface ClassifierSlice {
  classifier: {
    /** Changes to the preset's classifier recipe (cleared when the preset changes). */
    choices: Partial<ClassifierChoices>;
    /** Start the backbone from the imported ImageNet weights. */
    usePretrained: boolean;
    pretrained: PretrainedInfo | null;
    /** Importing or deleting the weights. */
    pretrainedBusy: boolean;
    pretrainedError: string | null;
  };
  setClassifierChoices: (choices: Partial<ClassifierChoices>) => void;
  setUsePretrained: (use: boolean) => void;
  loadPretrained: () => Promise<void>;
  importPretrained: (files: File[]) => Promise<void>;
  deletePretrained: () => Promise<void>;
}

export const createClassifierSlice: StateCreator<AppState, [], [], ClassifierSlice> = (
  set,
  get,
) => {
  const patch = (p: Partial<ClassifierSlice['classifier']>) =>
    set((s) => ({ classifier: { ...s.classifier, ...p } }));
  return {
    classifier: {
      choices: {},
      usePretrained: false,
      pretrained: null,
      pretrainedBusy: false,
      pretrainedError: null,
    },
    setClassifierChoices: (choices) =>
      patch({ choices: { ...get().classifier.choices, ...choices } }),
    setUsePretrained: (usePretrained) => patch({ usePretrained }),
    loadPretrained: async () => {
      try {
        const pretrained = (await loadPretrainedInfo()) ?? null;
        patch({ pretrained, ...(pretrained ? {} : { usePretrained: false }) });
      } catch (error) {
        patch({ pretrainedError: errorText(error) });
      }
    },
    importPretrained: async (files) => {
      patch({ pretrainedBusy: true, pretrainedError: null });
      try {
        const pretrained = await get().runJob('importing ImageNet weights', () =>
          withJobLock('importing ImageNet weights', () =>
            compute().call('importPretrained', { files }),
          ),
        );
        patch({ pretrained, usePretrained: true });
      } catch (error) {
        patch({ pretrainedError: errorText(error) });
      } finally {
        patch({ pretrainedBusy: false });
      }
    },
    deletePretrained: async () => {
      patch({ pretrainedBusy: true, pretrainedError: null });
      try {
        await withJobLock('deleting the ImageNet weights', () =>
          compute().call('deletePretrained', {}),
        );
        patch({ pretrained: null, usePretrained: false });
      } catch (error) {
        patch({ pretrainedError: errorText(error) });
      } finally {
        patch({ pretrainedBusy: false });
      }
    },
  };
};
