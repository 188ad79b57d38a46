/**
 * A classifier run's recipe, and the types the worker's API carries for classifier runs: the
 * preset's training settings with the person's choices, the ImageNet weights the backbone began
 * from, and what made the masked images it trains on. The page imports the types only.
 */
import { CLASSES } from '../dataset/types.ts';
import type { MaskingSummary } from '../masking/summary.ts';
import type { EngineChoice } from '../pipeline/backends.ts';
import {
  PRESET_TABLE,
  type ClassifierChoices,
  type ClassifierTraining,
  type PresetName,
} from '../pipeline/presets.ts';
import type { RunRecord } from '../runs/runs.ts';
import type { TrainingProgress } from './session.ts';

/** A classifier run's recipe: the preset's, with the person's choices and the weights it began from. */
export interface ClassifierConfig extends ClassifierTraining {
  /** The ImageNet weights the backbone started from; null: from scratch. */
  pretrained: { source: string; matched: number; total: number } | null;
  /** What made the masked images it trained on. */
  masks: string;
  /**
   * Whether those images were cut to their lesion's square and zoomed (the masking's crop), so
   * that evaluation and Diagnose show it the same; absent in runs from before the crop: false.
   */
  lesionCrop?: boolean;
}

/** Whether a classifier run learned from lesion-centred crops. */
export function learnedFromCrops(config: Pick<ClassifierConfig, 'lesionCrop'>): boolean {
  return config.lesionCrop === true;
}

/**
 * Why a run cannot use the current masked images: it learned from crops and they are whole
 * frames, or the other way round; null when they agree.
 */
export function maskingMismatch(
  config: Pick<ClassifierConfig, 'lesionCrop'>,
  masking: Pick<MaskingSummary, 'crop'>,
): string | null {
  const run = learnedFromCrops(config);
  if (run === (masking.crop === true)) return null;
  return run
    ? 'This classifier learned from images centred and zoomed on the lesion, and the current masked images are whole frames: apply the masks again with "Centre and zoom on the lesion" ticked, or train a classifier on these.'
    : 'This classifier learned from whole masked frames, and the current masked images are centred and zoomed on the lesion: apply the masks again with "Centre and zoom on the lesion" unticked, or train a classifier on these.';
}

export type ClassifierRun = RunRecord<ClassifierConfig>;
export type ClassifierProgress = TrainingProgress<ClassifierConfig>;

export interface TrainClassifierParams {
  preset: PresetName;
  /** Changes to the preset's mode, balance, learning rate, batch size and epochs. */
  choices?: Partial<ClassifierChoices>;
  /** Start the backbone from the ImageNet weights imported into this browser. */
  pretrained?: boolean;
  /** `tfjs` trains through tfjs even where the WebGPU engine could (`?engine=tfjs`). */
  engine?: EngineChoice;
  /** Continue this run from its last finished epoch instead of starting a new one. */
  resumeRunId?: string;
}

/** The class index of the images of other diagnoses, after the three classes. */
export const OTHER_CLASS = CLASSES.length;

/** Whether a run learns an "other" class (four outputs, other last). */
export function learnsOther(config: Pick<ClassifierConfig, 'otherClass'>): boolean {
  return config.otherClass === true;
}

/**
 * A new run's recipe; `pretrained` is filled in once the weights are copied (classifierModel.ts).
 * The "other" class is learned only where the dataset kept images of other diagnoses (`others`
 * in the train split).
 */
export function newConfig(
  params: TrainClassifierParams,
  masking: MaskingSummary,
  others = 0,
): ClassifierConfig {
  const preset = PRESET_TABLE[params.preset].classifier;
  const otherClass = (params.choices?.otherClass ?? preset.otherClass ?? false) && others > 0;
  return {
    ...preset,
    ...params.choices,
    otherClass,
    model: {
      ...preset.model,
      classes: otherClass ? OTHER_CLASS + 1 : CLASSES.length,
      imagenetPreprocess: params.pretrained === true,
    },
    pretrained: null,
    masks:
      masking.source.kind === 'truth'
        ? 'ground-truth masks'
        : `SegNet run ${masking.source.runId} (epoch ${(masking.epoch ?? 0) + 1})`,
    lesionCrop: masking.crop === true,
  };
}
