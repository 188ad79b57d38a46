/** Which pipeline stage the person is looking at. */
import type { StateCreator } from 'zustand';
import type { StageId } from '../pipeline/stages.ts';
import type { AppState } from './index.ts';

export interface NavigationSlice {
  activeStage: StageId;
  setActiveStage: (stage: StageId) => void;
}

export const createNavigationSlice: StateCreator<AppState, [], [], NavigationSlice> = (set) => ({
  activeStage: 'dataset',
  setActiveStage: (activeStage) => set({ activeStage }),
});
