/**
 * Will a batch fit? DenseNet's concatenations make large activations: each layer's output is one
 * GPU buffer of batch × its size, and WebGPU refuses a buffer over the device's
 * `maxStorageBufferBindingSize`. The batch size is checked against that limit before training,
 * and the largest batch that fits is suggested. Other backends report no such limit.
 */
import * as tf from '@tensorflow/tfjs';

/** Bytes of the largest layer output for one sample (float32). */
export function largestActivationBytes(model: tf.LayersModel): { layer: string; bytes: number } {
  let largest = { layer: '', bytes: 0 };
  for (const layer of model.layers) {
    const shapes = (
      Array.isArray(layer.outputShape[0]) ? layer.outputShape : [layer.outputShape]
    ) as (number | null)[][];
    for (const shape of shapes) {
      const bytes = 4 * shape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1);
      if (bytes > largest.bytes) largest = { layer: layer.name, bytes };
    }
  }
  return largest;
}

/** The largest buffer the active backend allows, if it says (WebGPU). */
export function bufferLimitBytes(): number | undefined {
  const backend = tf.backend() as {
    device?: { limits?: { maxStorageBufferBindingSize?: number } };
  };
  return backend.device?.limits?.maxStorageBufferBindingSize;
}

/** Throws a message naming the batch that fits when `batchSize` would exceed `limit`. */
export function checkBatchFits(
  model: tf.LayersModel,
  batchSize: number,
  limit: number | undefined = bufferLimitBytes(),
): void {
  if (limit === undefined) return;
  const { layer, bytes } = largestActivationBytes(model);
  if (bytes * batchSize <= limit) return;
  const fits = Math.max(1, Math.floor(limit / bytes));
  const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
  throw new Error(
    `A batch of ${batchSize} needs a ${mb(bytes * batchSize)} buffer for the layer ${layer}, more than this GPU allows in one buffer (${mb(limit)}): use a batch of ${fits} or less.`,
  );
}
