/**
 * The app's one zustand store, built from typed slices (zustand's slices pattern). Actions live
 * beside their state; components read narrow selectors. Tensors and pixels never enter the store.
 */
import { create } from 'zustand';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice.ts';
import { createMaskingSlice, type MaskingSlice } from './maskingSlice.ts';
import { createNavigationSlice, type NavigationSlice } from './navigationSlice.ts';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice.ts';
import { createSegmentationSlice, type SegmentationSlice } from './segmentationSlice.ts';
import { createSettingsSlice, type SettingsSlice } from './settingsSlice.ts';

export type AppState = RuntimeSlice &
  NavigationSlice &
  SettingsSlice &
  DatasetSlice &
  SegmentationSlice &
  MaskingSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createRuntimeSlice(...a),
  ...createNavigationSlice(...a),
  ...createSettingsSlice(...a),
  ...createDatasetSlice(...a),
  ...createSegmentationSlice(...a),
  ...createMaskingSlice(...a),
}));
