/**
 * Training batches straight from IndexedDB: the stored images (and masks) of a split, shuffled per
 * epoch with a seed, turned into tensors at the model's input size on the backend, with the next
 * batch's records read while the current batch trains. Shared by the SegNet and the classifier.
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../lib/random.ts';
import { getImages, getMasks, type ImageRecord, type MaskRecord } from '../dataset/storage.ts';

export interface BatchPlan {
  /** Manifest keys of the images, in a stable order. */
  keys: string[];
  batchSize: number;
  /** Edge of the model's square input; stored images are resized on the backend if it differs. */
  inputSize: number;
  /** Read the masks too (segmentation); a missing mask is an error. */
  withMasks: boolean;
  /** Shuffle each epoch with this seed (training); undefined keeps the order (evaluation). */
  shuffleSeed?: number;
  /**
   * Leave out the last, smaller batch (training): one shape per epoch means the GPU backends
   * compile their shaders once. The per-epoch shuffle lets every image take part over epochs.
   */
  dropRemainder: boolean;
}

export interface Batch {
  keys: string[];
  /** [b, inputSize, inputSize, 3], values 0..1. */
  x: tf.Tensor4D;
  /** [b, inputSize, inputSize, 1], 0 or 1; only when the plan reads masks. */
  y?: tf.Tensor4D;
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

interface Records {
  keys: string[];
  images: ImageRecord[];
  masks: MaskRecord[];
}

async function readRecords(keys: string[], withMasks: boolean): Promise<Records> {
  const [images, masks] = await Promise.all([getImages(keys), withMasks ? getMasks(keys) : []]);
  keys.forEach((key, i) => {
    if (!images[i])
      throw new Error(
        `The image ${key} is not in storage: the dataset changed. Reload the Dataset stage.`,
      );
    if (withMasks && !masks[i]) throw new Error(`The image ${key} has no stored mask.`);
  });
  return { keys, images: images as ImageRecord[], masks: masks as MaskRecord[] };
}

/** Packs records into tensors: bytes → floats in 0..1, resized on the backend when needed. */
export function toBatch(records: Records, inputSize: number): Batch {
  const { keys, images, masks } = records;
  const size = images[0]?.size ?? inputSize;
  const pixels = new Uint8Array(images.length * size * size * 3);
  images.forEach((image, i) => pixels.set(image.pixels, i * size * size * 3));
  // Resize first: every later op then runs at the (often much smaller) input size.
  const x = tf.tidy(() => {
    const bytes = tf.tensor4d(pixels, [images.length, size, size, 3], 'int32');
    const resized =
      size === inputSize
        ? tf.cast(bytes, 'float32')
        : tf.image.resizeBilinear(bytes, [inputSize, inputSize], true);
    return tf.div(resized, 255) as tf.Tensor4D;
  });
  if (masks.length === 0) return { keys, x };
  const maskBytes = new Uint8Array(masks.length * size * size);
  masks.forEach((mask, i) => maskBytes.set(mask.pixels, i * size * size));
  const y = tf.tidy(() => {
    const bytes = tf.tensor4d(maskBytes, [masks.length, size, size, 1], 'int32');
    const resized =
      size === inputSize
        ? bytes
        : tf.image.resizeNearestNeighbor(bytes, [inputSize, inputSize], true);
    return tf.cast(tf.greater(resized, 127), 'float32') as tf.Tensor4D;
  });
  return { keys, x, y };
}

/**
 * The batches of one epoch. Each batch's records are read while the one before is in use; the
 * caller disposes each batch's tensors when done with it.
 */
export async function* readEpoch(plan: BatchPlan, epoch: number): AsyncGenerator<Batch> {
  const batches = epochBatches(plan, epoch);
  let next = batches[0] ? readRecords(batches[0], plan.withMasks) : null;
  for (let b = 0; b < batches.length && next; b++) {
    const records = await next;
    const following = batches[b + 1];
    next = following ? readRecords(following, plan.withMasks) : null;
    yield toBatch(records, plan.inputSize);
  }
}
