/**
 * What differs between the classifier's two modes. `fine-tune` trains every layer of the whole
 * classifier on masked photos augmented at each step. `frozen` splits the classifier into its
 * backbone and head, stores the backbone's features of every sample once (features.ts), trains the
 * head alone on them, and checkpoints the whole classifier with the trained head copied in, so
 * evaluation and diagnosis load one model either way.
 */
import type * as tf from '@tensorflow/tfjs';
import type { StopSignal } from '../lib/jobs.ts';
import { augmentImages } from '../loader/augment.ts';
import type { BatchSource } from '../loader/batches.ts';
import type { buildDenseNetParts } from '../models/densenet.ts';
import { copyWeightsByName } from '../models/importWeights.ts';
import type { ClassifierAugment } from '../pipeline/presets.ts';
import { stepSeed } from './augmentSeeds.ts';
import type { ClassifierProgress } from './classifierConfig.ts';
import { FEATURE_BATCH, computeFeatures, featureSource } from './features.ts';
import type { Prepare } from './loop.ts';
import { checkBatchFits } from './memory.ts';

/**
 * Fine-tuning's augmentation as the loop's `prepare` step, seeded by the run's step (`first` is the
 * step the session starts at: augmentSeeds.ts).
 */
export function classifierAugmentation(
  augment: ClassifierAugment,
  seed: number,
  first: number,
): Prepare {
  // The labels pass through unchanged (the loop disposes them once).
  return (x, y, step) => ({
    x: augmentImages(x, { ...augment, shear: 0 }, stepSeed(seed, first, step)),
    y,
  });
}

/** A frozen run's backbone and head (buildDenseNetParts); the caller disposes them. */
export type ClassifierParts = ReturnType<typeof buildDenseNetParts>;

/** Frozen: the whole classifier's weights copied into its parts; the backbone's batch must fit. */
export function loadParts(full: tf.LayersModel, parts: ClassifierParts): void {
  copyWeightsByName(full, parts.backbone);
  copyWeightsByName(full, parts.head);
  checkBatchFits(parts.backbone, FEATURE_BATCH);
}

/**
 * Frozen: the backbone's features of every sample, computed where not stored yet (a resumed run
 * keeps what it stored) with oversampled copies augmented by the run's seed; the head's batches
 * read them. `complete` is false when the run was stopped first.
 */
export async function backboneFeatures(
  backbone: tf.LayersModel,
  runId: string,
  samples: string[],
  labels: ReadonlyMap<string, number>,
  classes: number,
  augment: ClassifierAugment,
  seed: number,
  report: (progress: ClassifierProgress) => void,
  signal: StopSignal,
): Promise<{ source: BatchSource; complete: boolean }> {
  const complete = await computeFeatures(
    backbone,
    runId,
    samples,
    augment,
    seed,
    (p) => report({ kind: 'prepare', runId, what: 'backbone features', ...p }),
    () => signal.stopped,
  );
  return { source: featureSource(runId, labels, classes), complete };
}

/** Frozen: what a checkpoint stores, the whole classifier with the head as trained. */
export function wholeClassifier(
  full: tf.LayersModel,
  parts: ClassifierParts,
): () => tf.LayersModel {
  return () => {
    copyWeightsByName(parts.head, full);
    return full;
  };
}
