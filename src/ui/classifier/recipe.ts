import { PRESET_TABLE, type ClassifierTraining } from '../../pipeline/presets.ts';
import { useAppStore } from '../../store/index.ts';

/** The classifier recipe the next run uses: the preset's, with the person's edits. */
export function useClassifierRecipe(): ClassifierTraining {
  const preset = useAppStore((s) => s.preset);
  const choices = useAppStore((s) => s.classifier.choices);
  return { ...PRESET_TABLE[preset].classifier, ...choices };
}
