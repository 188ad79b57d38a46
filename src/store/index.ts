/**
 * The app's one zustand store, built from typed slices (zustand's slices pattern). Actions live
 * beside their state; components read narrow selectors. Tensors and pixels never enter the store.
 */
import { create } from 'zustand';
import { createDatasetSlice, type DatasetSlice } from './datasetSlice.ts';
import { createNavigationSlice, type NavigationSlice } from './navigationSlice.ts';
import { createRuntimeSlice, type RuntimeSlice } from './runtimeSlice.ts';

export type AppState = RuntimeSlice & NavigationSlice & DatasetSlice;

export const useAppStore = create<AppState>()((...a) => ({
  ...createRuntimeSlice(...a),
  ...createNavigationSlice(...a),
  ...createDatasetSlice(...a),
}));
