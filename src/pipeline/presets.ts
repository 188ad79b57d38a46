/**
 * Training presets (DESIGN.md, Training presets): `seed` is faithful to ISIC_melanoma,
 * `recommended` adds what works better, `quick` is for demos and CI and finishes in minutes on a
 * CPU. `?preset=` in the address preselects one.
 */
import { SEGNET_QUICK, SEGNET_SEED, type SegNetConfig } from '../models/segnetConfig.ts';

export const PRESETS = ['quick', 'seed', 'recommended'] as const;
export type PresetName = (typeof PRESETS)[number];

export interface SegNetTraining {
  model: SegNetConfig;
  optimizer: 'sgd-momentum' | 'adam';
  /** Learning rate. */
  learningRate: number;
  /** Momentum of SGD (ignored by Adam). */
  momentum: number;
  batchSize: number;
  epochs: number;
  /** Epochs without a better validation loss before training stops; the best checkpoint is kept. */
  patience: number;
  /** Random 90° rotations and shear, as the seed does; flips are added by `recommended`. */
  augment: { rotate90: boolean; shear: number; flip: boolean };
}

export interface Preset {
  name: PresetName;
  label: string;
  segnet: SegNetTraining;
}

/** The seed's SegNet recipe (ISIC_melanoma). */
const SEED_SEGNET: SegNetTraining = {
  model: SEGNET_SEED,
  optimizer: 'sgd-momentum',
  learningRate: 1e-3,
  momentum: 0.9,
  batchSize: 16,
  epochs: 40,
  patience: 4,
  augment: { rotate90: true, shear: 0.2, flip: false },
};

export const PRESET_TABLE: Record<PresetName, Preset> = {
  seed: { name: 'seed', label: 'Seed (ISIC_melanoma)', segnet: SEED_SEGNET },
  recommended: {
    name: 'recommended',
    label: 'Recommended',
    segnet: { ...SEED_SEGNET, augment: { ...SEED_SEGNET.augment, flip: true } },
  },
  quick: {
    name: 'quick',
    label: 'Quick (demo, tests)',
    segnet: {
      model: SEGNET_QUICK,
      optimizer: 'adam',
      learningRate: 1e-2,
      momentum: 0,
      batchSize: 16,
      epochs: 8,
      patience: 3,
      augment: { rotate90: true, shear: 0, flip: true },
    },
  },
};

/** Reads `?preset=`; absent or unknown gives the default (`seed`). */
export function presetFromSearch(search: string): PresetName {
  const value = new URLSearchParams(search).get('preset');
  return (PRESETS as readonly string[]).includes(value ?? '') ? (value as PresetName) : 'seed';
}
