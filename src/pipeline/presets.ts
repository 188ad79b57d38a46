/**
 * Training presets (README, "Training the segmenter"): `seed` is faithful to ISIC_melanoma,
 * `recommended` adds what works better, `cpu` trains the whole pipeline from scratch on a 2–8
 * core machine in about an hour (docs/performance.md says how it was sized), `quick` is for demos
 * and CI and finishes in minutes on a CPU. `?preset=` in the address preselects one.
 */
import {
  DENSENET_121_BACKBONE,
  DENSENET_CPU,
  DENSENET_QUICK,
  type DenseNetConfig,
} from '../models/densenetConfig.ts';
import {
  SEGNET_CPU,
  SEGNET_QUICK,
  SEGNET_SEED,
  type SegNetConfig,
} from '../models/segnetConfig.ts';
import type { LearningRateSchedule } from '../training/schedule.ts';

export const PRESETS = ['quick', 'cpu', 'seed', 'recommended'] as const;
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
  /** How the learning rate moves over the run; constant when unset (schedule.ts). */
  schedule?: LearningRateSchedule;
  /** Decoupled weight decay of the kernels per unit of learning rate; none when unset. */
  weightDecay?: number;
}

/**
 * How the classifier learns: `frozen` computes the backbone's features once per image and trains
 * only the head on them (the seed's bottleneck features: fast); `fine-tune` trains every layer.
 */
export type ClassifierMode = 'frozen' | 'fine-tune';
/**
 * How the rare classes (melanoma, seborrheic keratosis) get their share: repeated, with
 * augmentation, until every class has as many training samples as the largest (`oversample`);
 * weighted in the loss by total / (classes x count), as scikit-learn's 'balanced' (`class-weights`);
 * or not at all.
 */
export type ClassBalance = 'oversample' | 'class-weights' | 'none';

export interface ClassifierAugment {
  /** Flip horizontally half the time. */
  flip: boolean;
  /** Rotate by a random multiple of 90°. */
  rotate90: boolean;
  /** Rotate by any angle (a lesion has no up); the corners come in black, like a mask's outside. */
  rotate?: boolean;
  /** Smallest fraction of the edge a random crop keeps (zoomed back to the input size); 1: none. */
  crop: number;
  /** Largest per-channel gain change, e.g. 0.1 for ±10%: small colour jitter that keeps black black. */
  colorJitter: number;
}

export interface ClassifierTraining {
  model: DenseNetConfig;
  mode: ClassifierMode;
  balance: ClassBalance;
  /** Adam's learning rate. */
  learningRate: number;
  batchSize: number;
  epochs: number;
  /** Epochs without a higher validation melanoma AUC before training stops; the best is kept. */
  patience: number;
  /** Training-time augmentation (in `frozen` mode it makes the oversampled copies' features). */
  augment: ClassifierAugment;
  /** How the learning rate moves over the run; constant when unset (schedule.ts). */
  schedule?: LearningRateSchedule;
  /** Decoupled weight decay of the kernels per unit of learning rate; none when unset. */
  weightDecay?: number;
  /**
   * Learn the images of other diagnoses the dataset kept (basal cell carcinoma, dermatofibroma…)
   * as a fourth, "other" class, while only the three classes are scored; off when unset.
   */
  otherClass?: boolean;
}

/** What the person may change in a preset's classifier recipe before training. */
export type ClassifierChoices = Pick<
  ClassifierTraining,
  'mode' | 'balance' | 'learningRate' | 'batchSize' | 'epochs' | 'otherClass'
>;

export interface Preset {
  name: PresetName;
  label: string;
  segnet: SegNetTraining;
  classifier: ClassifierTraining;
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

const CLASSIFIER_AUGMENT: ClassifierAugment = {
  flip: true,
  rotate90: true,
  crop: 0.85,
  colorJitter: 0.1,
};

/** The seed's classifier: DenseNet-121 bottleneck features at 256 px and a dense head. */
const SEED_CLASSIFIER: ClassifierTraining = {
  model: { ...DENSENET_121_BACKBONE, inputSize: 256, head: 'seed', dropout: 0.6 },
  mode: 'frozen',
  balance: 'oversample',
  learningRate: 1e-5,
  batchSize: 32,
  epochs: 50,
  patience: 10,
  augment: CLASSIFIER_AUGMENT,
};

export const PRESET_TABLE: Record<PresetName, Preset> = {
  seed: {
    name: 'seed',
    label: 'Seed (ISIC_melanoma)',
    segnet: SEED_SEGNET,
    classifier: SEED_CLASSIFIER,
  },
  recommended: {
    name: 'recommended',
    label: 'Recommended',
    segnet: { ...SEED_SEGNET, augment: { ...SEED_SEGNET.augment, flip: true } },
    classifier: {
      model: DENSENET_121_BACKBONE,
      mode: 'fine-tune',
      balance: 'oversample',
      learningRate: 1e-4,
      batchSize: 16,
      epochs: 30,
      patience: 6,
      augment: CLASSIFIER_AUGMENT,
    },
  },
  cpu: {
    name: 'cpu',
    label: 'CPU, about an hour',
    segnet: {
      model: SEGNET_CPU,
      optimizer: 'adam',
      learningRate: 3e-3,
      momentum: 0,
      batchSize: 16,
      // 12 epochs: test Jaccard 0.865 on HAM10000 against 0.856–0.862 with 8, for 3.7 more
      // minutes (docs/performance.md). The cosine's last epochs are its best: no early stop, the
      // best epoch is kept.
      epochs: 12,
      patience: 12,
      augment: { rotate90: true, shear: 0.1, flip: true },
      schedule: { kind: 'warmup-cosine', warmupEpochs: 0.5, finalFraction: 0.02 },
    },
    classifier: {
      model: DENSENET_CPU,
      mode: 'fine-tune',
      balance: 'oversample',
      learningRate: 3e-3,
      batchSize: 32,
      // 16 epochs measured no better than 10 on HAM10000 (docs/performance.md).
      epochs: 10,
      patience: 5,
      augment: { flip: true, rotate90: true, rotate: true, crop: 0.85, colorJitter: 0.1 },
      schedule: { kind: 'warmup-cosine', warmupEpochs: 1, finalFraction: 0.01 },
      weightDecay: 0.05,
      // Where the dataset kept other diagnoses: +0.009 test melanoma AUC, +0.013 per lesion and
      // +0.035 AP on HAM10000 over two paired runs, for a third more training time
      // (docs/performance.md, "An "other" class").
      otherClass: true,
    },
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
    classifier: {
      model: DENSENET_QUICK,
      mode: 'fine-tune',
      balance: 'oversample',
      learningRate: 3e-3,
      batchSize: 16,
      epochs: 8,
      patience: 4,
      augment: CLASSIFIER_AUGMENT,
    },
  },
};

/** Reads `?preset=`; absent or unknown gives the default (`seed`). */
export function presetFromSearch(search: string): PresetName {
  const value = new URLSearchParams(search).get('preset');
  return (PRESETS as readonly string[]).includes(value ?? '') ? (value as PresetName) : 'seed';
}
