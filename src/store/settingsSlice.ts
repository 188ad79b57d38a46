/** Choices that apply to several stages: the training preset (`?preset=` preselects it). */
import type { StateCreator } from 'zustand';
import { presetFromSearch, type PresetName } from '../pipeline/presets.ts';
import type { AppState } from './index.ts';

export interface SettingsSlice {
  preset: PresetName;
  setPreset: (preset: PresetName) => void;
}

export const createSettingsSlice: StateCreator<AppState, [], [], SettingsSlice> = (set) => ({
  preset: presetFromSearch(globalThis.location?.search ?? ''),
  // The classifier's edited recipe belongs to the preset it was edited from.
  setPreset: (preset) => set((s) => ({ preset, classifier: { ...s.classifier, choices: {} } })),
});
