/**
 * Training batches from IndexedDB (kept in memory for later epochs at the model's input size:
 * src/loader/recordCache.ts): the records of a split, shuffled per epoch with a seed, resized to
 * the model's input size and made tensors, with the next batch's records read while the current
 * batch trains. What a batch
 * holds comes from its source: photos and masks for the SegNet, masked photos and labels for the
 * classifier, stored features for a frozen backbone.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../lib/random.ts';
import { getImages, getMasked, getMasks } from '../dataset/storage.ts';
import { sampleImage } from './balance.ts';
import { DEFAULT_BUDGET_BYTES, RecordCache } from './recordCache.ts';
import {
  resizeBilinearBytes,
  resizeBilinearToBytes,
  resizeMaskBytes,
  resizeMaskToBytes,
} from './resize.ts';

export interface Batch {
  keys: string[];
  /** Model input: [b, inputSize, inputSize, 3] photos in 0..1 (or [b, h, w, c] features). */
  x: tf.Tensor4D;
  /** Targets: [b, inputSize, inputSize, 1] masks of 0 or 1, or [b, classes] one-hot labels. */
  y?: tf.Tensor;
}

/** Where a plan's batches come from. */
export interface BatchSource {
  /** Reads one batch's records from storage, and returns the step that makes its tensors. */
  load(keys: string[]): Promise<() => Batch>;
  /** Records served from memory and read from storage so far, where the source caches them. */
  cacheFigures?(): CacheFigures;
}

export interface CacheFigures {
  hits: number;
  misses: number;
  /** Bytes held now. */
  bytes: number;
}

const figuresOf = (...caches: RecordCache<Pixels>[]): CacheFigures => ({
  hits: caches.reduce((sum, c) => sum + c.hits, 0),
  misses: caches.reduce((sum, c) => sum + c.misses, 0),
  bytes: caches.reduce((sum, c) => sum + c.size, 0),
});

export interface BatchPlan {
  /** Keys of the records, in a stable order; a key may repeat (oversampling). */
  keys: string[];
  batchSize: number;
  source: BatchSource;
  /** Shuffle each epoch with this seed (training); undefined keeps the order (evaluation). */
  shuffleSeed?: number;
  /**
   * Leave out the last, smaller batch (training): one shape per epoch means the GPU backends
   * compile their shaders once. The per-epoch shuffle lets every image take part over epochs.
   */
  dropRemainder: boolean;
}

/**
 * A training split's plan: shuffled each epoch with the run's seed, every batch full (the last,
 * smaller one left out).
 */
export function shuffledPlan(
  keys: string[],
  batchSize: number,
  source: BatchSource,
  seed: number,
): BatchPlan {
  return { keys, batchSize, source, dropRemainder: true, shuffleSeed: seed };
}

/** Every key in its order, the last batch smaller if need be: validation and prediction. */
export function inOrderPlan(keys: string[], batchSize: number, source: BatchSource): BatchPlan {
  return { keys, batchSize, source, dropRemainder: false };
}

/** The keys of each batch of one epoch. */
export function epochBatches(plan: BatchPlan, epoch: number): string[][] {
  const order = [...plan.keys];
  if (plan.shuffleSeed !== undefined) new Random(plan.shuffleSeed * 7919 + epoch).shuffle(order);
  const batches: string[][] = [];
  for (let start = 0; start < order.length; start += plan.batchSize) {
    const keys = order.slice(start, start + plan.batchSize);
    if (keys.length === plan.batchSize || !plan.dropRemainder) batches.push(keys);
  }
  return batches;
}

/**
 * Every record of the keys, or an error naming the first one missing. The manifest lists every
 * key a plan holds, so a missing record means storage lost it after the plan was made (the
 * dataset deleted or replaced in another tab, or the browser evicting site data).
 */
export function present<T>(keys: string[], records: (T | undefined)[], what: string): T[] {
  keys.forEach((key, i) => {
    if (!records[i]) {
      throw new Error(
        `The ${what} ${key} is listed in the dataset but could not be read from the browser's ` +
          'storage (deleted or replaced since the job started, or evicted by the browser). ' +
          'Everything finished so far is kept; reload the page to see the stored dataset.',
      );
    }
  });
  return records as T[];
}

/** Square RGB bytes (`size` edge) → [b, inputSize, inputSize, 3] floats in 0..1. */
export function imageTensor(images: Pixels[], inputSize: number) {
  const pixels = inputSize * inputSize * 3;
  const data = new Float32Array(images.length * pixels);
  // Resized in JavaScript first: only input-sized floats become a tensor.
  images.forEach((image, i) =>
    resizeBilinearBytes(image.pixels, image.size, inputSize, 3, 1 / 255, data, i * pixels),
  );
  return tf.tensor4d(data, [images.length, inputSize, inputSize, 3]);
}

/** Square masks (0 or 255) → [b, inputSize, inputSize, 1] of 0 or 1. */
export function maskTensor(masks: Pixels[], inputSize: number) {
  const pixels = inputSize * inputSize;
  const data = new Float32Array(masks.length * pixels);
  masks.forEach((mask, i) => resizeMaskBytes(mask.pixels, mask.size, inputSize, data, i * pixels));
  return tf.tensor4d(data, [masks.length, inputSize, inputSize, 1]);
}

/** Class indices → [b, classes] one-hot. */
export function labelTensor(labels: number[], classes: number): tf.Tensor2D {
  // Made here and uploaded: no kernel runs for it (the training loop counts a step's dispatches
  // while the next batch is read).
  const oneHot = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => {
    if (Number.isInteger(label) && label >= 0 && label < classes) oneHot[i * classes + label] = 1;
  });
  return tf.tensor2d(oneHot, [labels.length, classes]);
}

/** Pixels at a size: a record as a batch needs it. */
interface Pixels {
  pixels: Uint8Array;
  size: number;
}

/**
 * Reads records and keeps only their pixels at the model's input size, so a cache holds
 * (input / stored)² of the stored bytes per record (the quick SegNet's 24 px: 1/113 of a 256 px
 * photo) and later epochs skip the resize. Bytes are rounded to the nearest level (at most half a
 * level from resizing the stored bytes straight to floats).
 */
function atInputSize(
  read: (keys: string[]) => Promise<(Pixels | undefined)[]>,
  inputSize: number,
  kind: 'photo' | 'mask',
): (keys: string[]) => Promise<(Pixels | undefined)[]> {
  return async (keys) =>
    (await read(keys)).map(
      (record) =>
        record && {
          size: inputSize,
          pixels:
            kind === 'photo'
              ? resizeBilinearToBytes(record.pixels, record.size, inputSize, 3)
              : resizeMaskToBytes(record.pixels, record.size, inputSize),
        },
    );
}

/**
 * Photos and their ground-truth masks: the SegNet's batches. The budget is split as a photo
 * (three bytes a pixel) and its mask (one) divide it.
 */
export function segmentationSource(
  inputSize: number,
  budgetBytes = DEFAULT_BUDGET_BYTES,
): BatchSource {
  const photos = new RecordCache(atInputSize(getImages, inputSize, 'photo'), (budgetBytes * 3) / 4);
  const masksCache = new RecordCache(atInputSize(getMasks, inputSize, 'mask'), budgetBytes / 4);
  return {
    cacheFigures: () => figuresOf(photos, masksCache),
    async load(keys) {
      const [images, masks] = await Promise.all([photos.get(keys), masksCache.get(keys)]);
      present(keys, images, 'image');
      keys.forEach((key, i) => {
        if (!masks[i]) throw new Error(`The image ${key} has no stored mask.`);
      });
      return () => ({
        keys,
        x: imageTensor(images as Pixels[], inputSize),
        y: maskTensor(masks as Pixels[], inputSize),
      });
    },
  };
}

/** Photos alone (prediction). */
export function imageSource(inputSize: number): BatchSource {
  return {
    async load(keys) {
      const images = present(keys, await getImages(keys), 'image');
      return () => ({ keys, x: imageTensor(images, inputSize) });
    },
  };
}

/**
 * Masked photos (the Masking stage's output) with one-hot labels where `labels` gives them: the
 * classifier's batches. Keys may be sample keys of oversampled copies (`key#n`).
 */
export function maskedSource(
  inputSize: number,
  labels?: ReadonlyMap<string, number>,
  classes = 3,
  budgetBytes = DEFAULT_BUDGET_BYTES,
): BatchSource {
  const cache = new RecordCache(atInputSize(getMasked, inputSize, 'photo'), budgetBytes);
  return {
    cacheFigures: () => figuresOf(cache),
    async load(keys) {
      const images = keys.map(sampleImage);
      const records = await cache.get(images);
      images.forEach((key, i) => {
        if (!records[i]) {
          throw new Error(
            `The masked image ${key} is not in storage: apply the masks again in the Masking stage.`,
          );
        }
      });
      const masked = records as Pixels[];
      const y = labels ? images.map((key) => labelOf(labels, key)) : null;
      return () => ({
        keys,
        x: imageTensor(masked, inputSize),
        ...(y ? { y: labelTensor(y, classes) } : {}),
      });
    },
  };
}

export function labelOf(labels: ReadonlyMap<string, number>, key: string): number {
  const label = labels.get(key);
  if (label === undefined) throw new Error(`The image ${key} has no label.`);
  return label;
}

/**
 * The batches of one epoch. Each batch's records are read while the one before is in use; the
 * caller disposes each batch's tensors when done with it.
 */
export async function* readEpoch(plan: BatchPlan, epoch: number): AsyncGenerator<Batch> {
  const batches = epochBatches(plan, epoch);
  let next = batches[0] ? plan.source.load(batches[0]) : null;
  for (let b = 0; b < batches.length && next; b++) {
    const make = await next;
    const following = batches[b + 1];
    next = following ? plan.source.load(following) : null;
    yield make();
  }
}

/** Disposes a batch's tensors. */
export function disposeBatch(batch: Batch): void {
  tf.dispose(batch.y ? [batch.x, batch.y] : [batch.x]);
}
