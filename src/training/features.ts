/**
 * Bottleneck features for a frozen backbone (the seed's way): the backbone runs once over every
 * sample (oversampled copies augmented, each with its own draw) and its output is stored per run,
 * so the head trains on them without touching the backbone again. A resumed run reuses what is
 * stored. The store is `features` (src/storage/stores.ts), keys `<runId>/<sampleKey>`.
 */
import * as tf from '@tensorflow/tfjs';
import { delMany, getMany, keys as storeKeys, setMany } from 'idb-keyval';
import { guardQuota } from '../dataset/storage.ts';
import type { ClassifierAugment } from '../pipeline/presets.ts';
import { augmentImages } from '../loader/augment.ts';
import { sampleImage } from '../loader/balance.ts';
import {
  labelOf,
  labelTensor,
  maskedSource,
  present,
  type BatchSource,
} from '../loader/batches.ts';
import { store } from '../storage/stores.ts';

const features = store('features');

interface FeatureRecord {
  shape: number[];
  data: Float32Array;
}

const featureKey = (runId: string, sample: string) => `${runId}/${sample}`;

/** Samples computed per backbone call. */
export const FEATURE_BATCH = 16;

export interface FeatureProgress {
  done: number;
  total: number;
}

/**
 * Runs the backbone over the samples that have no stored features yet. Copies (`key#n`, n > 0)
 * are augmented first with a draw seeded by the run and the sample, so they differ from their
 * original as the oversampled images do in fine-tuning.
 */
export async function computeFeatures(
  backbone: tf.LayersModel,
  runId: string,
  samples: string[],
  augment: ClassifierAugment,
  seed: number,
  onProgress: (progress: FeatureProgress) => void,
  shouldStop: () => boolean,
): Promise<boolean> {
  const stored = await storedSamples(runId);
  // Originals first, then the copies: only batches that hold copies pay for augmentation.
  const missing = samples
    .filter((s) => !stored.has(s))
    .sort((a, b) => Number(a !== sampleImage(a)) - Number(b !== sampleImage(b)));
  const inputSize = backbone.inputs[0]?.shape[1] as number;
  const source = maskedSource(inputSize);
  let done = samples.length - missing.length;
  onProgress({ done, total: samples.length });
  for (let start = 0; start < missing.length; start += FEATURE_BATCH) {
    if (shouldStop()) return false;
    const chunk = missing.slice(start, start + FEATURE_BATCH);
    const batch = (await source.load(chunk))();
    const output = tf.tidy(() => {
      const copies = chunk.map((s) => s !== sampleImage(s));
      const x = copies.some(Boolean)
        ? tf.where(
            tf.tensor4d(copies.map(Number), [chunk.length, 1, 1, 1]).cast('bool'),
            augmentImages(batch.x, { ...augment, shear: 0 }, seed * 7_919 + done),
            batch.x,
          )
        : batch.x;
      return backbone.predict(x) as tf.Tensor4D;
    });
    const data = await output.data<'float32'>();
    const shape = output.shape.slice(1);
    const size = shape.reduce((a, b) => a * b, 1);
    tf.dispose([batch.x, output]);
    await guardQuota(() =>
      setMany(
        chunk.map((s, i) => [
          featureKey(runId, s),
          { shape, data: data.slice(i * size, (i + 1) * size) } satisfies FeatureRecord,
        ]),
        features,
      ),
    );
    done += chunk.length;
    onProgress({ done, total: samples.length });
  }
  return true;
}

/** Stored features with one-hot labels: the head's batches. */
export function featureSource(
  runId: string,
  labels: ReadonlyMap<string, number>,
  classes = 3,
): BatchSource {
  return {
    async load(samples) {
      const records = present(
        samples,
        await getMany<FeatureRecord | undefined>(
          samples.map((s) => featureKey(runId, s)),
          features,
        ),
        'features of',
      );
      const shape = records[0]?.shape ?? [];
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(records.length * size);
      records.forEach((r, i) => data.set(r.data, i * size));
      const y = samples.map((s) => labelOf(labels, sampleImage(s)));
      return () => ({
        keys: samples,
        x: tf.tensor4d(data, [records.length, ...shape] as [number, number, number, number]),
        y: labelTensor(y, classes),
      });
    },
  };
}

/** The store's keys of a run's features (keys only: the features themselves stay on disk). */
async function runKeys(runId: string): Promise<string[]> {
  return (await storeKeys(features)).filter(
    (k): k is string => typeof k === 'string' && k.startsWith(`${runId}/`),
  );
}

/** The samples whose features a run has stored. */
async function storedSamples(runId: string): Promise<Set<string>> {
  return new Set((await runKeys(runId)).map((k) => k.slice(runId.length + 1)));
}

/** Forgets a run's stored features. */
export async function deleteFeatures(runId: string): Promise<void> {
  await delMany(await runKeys(runId), features);
}
