/**
 * The app's one zustand store, built from typed slices (zustand's slices pattern). Actions live
 * beside their state; components read narrow selectors. Tensors and pixels never enter the store.
 */
import { create } from 'zustand';
import { createClassifierSlice, type ClassifierSlice } from './classifierSlice.ts';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice.ts';
import { createDiagnoseSlice, type DiagnoseSlice } from './diagnoseSlice.ts';
import { createEvaluationSlice, type EvaluationSlice } from './evaluationSlice.ts';
import { createMaskingSlice, type MaskingSlice } from './maskingSlice.ts';
import { createNavigationSlice, type NavigationSlice } from './navigationSlice.ts';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice.ts';
import { createSettingsSlice, type SettingsSlice } from './settingsSlice.ts';
import { createTrainingSlice, type TrainingSlice } from './trainingSlice.ts';

export type AppState = RuntimeSlice &
  NavigationSlice &
  SettingsSlice &
  DatasetSlice &
  TrainingSlice &
  ClassifierSlice &
  EvaluationSlice &
  DiagnoseSlice &
  MaskingSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createRuntimeSlice(...a),
  ...createNavigationSlice(...a),
  ...createSettingsSlice(...a),
  ...createDatasetSlice(...a),
  ...createTrainingSlice(...a),
  ...createClassifierSlice(...a),
  ...createEvaluationSlice(...a),
  ...createDiagnoseSlice(...a),
  ...createMaskingSlice(...a),
}));
