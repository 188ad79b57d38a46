/**
 * Applies lesion masks to every stored image (in the compute worker): the best checkpoint of a
 * SegNet run, its prediction resized to the stored size, thresholded at 0.5, reduced to the largest
 * connected component with its holes filled; or, as a choice, the ground-truth masks. Everything
 * outside the mask turns black, and (unless asked not to) the image is cut to the lesion's square
 * and zoomed back to the stored size (lesionCrop.ts). Each masked image is stored with its mask,
 * its square and its score against the ground truth, and the summary keeps each lesion's measures
 * (src/metrics/lesion/measures.ts) for the clinical model; the summary is written last, so a reload
 * mid-way leaves no half result, and a full disk removes this pass's masked images and says how
 * much masking needs.
 */
import * as tf from '@tensorflow/tfjs';
import {
  clearMasked,
  formatBytes,
  getImages,
  isQuotaError,
  getMasks,
  putMasked,
  saveMaskingSummary,
  storageFullError,
  type ImageRecord,
  type MaskRecord,
  type MaskedRecord,
} from '../dataset/storage.ts';
import type { DatasetRow } from '../dataset/summary.ts';
import { postprocess } from '../metrics/maskPostprocess.ts';
import { lesionMeasures } from '../metrics/lesion/measures.ts';
import { dice, jaccard } from '../metrics/segmentation.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { imageTensor, present } from '../loader/batches.ts';
import { loadModel } from '../runs/checkpoint.ts';
import { loadRun } from '../runs/runs.ts';
import { loadDataset } from '../loader/trainingData.ts';
import type { StopSignal } from '../lib/jobs.ts';
import { cropToBox, lesionBox, type CropBox } from './lesionCrop.ts';
import { splitScores, type ImageScore, type MaskSource, type MaskingSummary } from './summary.ts';

export interface MaskingProgress {
  kind: 'masking';
  done: number;
  total: number;
  imagesPerSecond: number;
}

export interface ApplyMasksResult {
  /** Null when the person stopped it: nothing was kept. */
  summary: MaskingSummary | null;
}

const BATCH = 16;

/** Makes the masks of one batch of records (stored size, 0 or 255). */
type Masker = (images: ImageRecord[], truths: (MaskRecord | undefined)[]) => Promise<Uint8Array[]>;

export interface MaskingOptions {
  /** Cut every masked image to its lesion's square, zoomed to the stored size (the default). */
  crop: boolean;
}

export async function applyMasks(
  source: MaskSource,
  options: MaskingOptions,
  backend: BackendName,
  report: (progress: MaskingProgress) => void,
  signal: StopSignal,
): Promise<ApplyMasksResult> {
  const { manifest, rows } = await loadDataset();
  const started = performance.now();
  let epoch: number | null = null;
  let model: tf.LayersModel | null = null;
  let masker: Masker;
  const unmasked: string[] = [];
  if (source.kind === 'segnet') {
    const run = await loadRun(source.runId);
    if (!run || run.bestEpoch === null) {
      throw new Error(
        `The SegNet run ${source.runId} has no checkpoint: train it for an epoch first.`,
      );
    }
    epoch = run.bestEpoch;
    model = await loadModel('segnet', source.runId, 'best');
    const segnet = model;
    masker = (images) => predictMasks(segnet, images);
  } else {
    if (!rows.some((r) => r.hasMask)) {
      throw new Error('The dataset has no ground-truth masks: apply a trained SegNet instead.');
    }
    masker = async (images, truths) =>
      images.map((image, i) => {
        const truth = truths[i];
        if (truth) return truth.pixels;
        unmasked.push(image.key);
        return new Uint8Array(image.size * image.size).fill(255);
      });
  }

  try {
    await clearMasked();
    const scores: ImageScore[] = [];
    const batches: DatasetRow[][] = [];
    for (let i = 0; i < rows.length; i += BATCH) batches.push(rows.slice(i, i + BATCH));
    let next = batches[0] ? read(batches[0]) : null;
    for (let b = 0; b < batches.length && next; b++) {
      if (signal.stopped) {
        await clearMasked();
        return { summary: null };
      }
      const batchRows = batches[b] as DatasetRow[];
      const { images, truths } = await next;
      const following = batches[b + 1];
      next = following ? read(following) : null;
      const masks = await masker(images, truths);
      const records: MaskedRecord[] = images.map((image, i) => {
        const mask = masks[i] as Uint8Array;
        const truth = truths[i];
        const scored = source.kind === 'segnet' && truth !== undefined;
        const whole = source.kind === 'truth' && truth === undefined;
        scores.push({
          key: image.key,
          split: (batchRows[i] as DatasetRow).split,
          jaccard: scored ? jaccard(mask, truth.pixels) : null,
          dice: scored ? dice(mask, truth.pixels) : null,
          measures: whole ? null : lesionMeasures(image.pixels, mask, image.size),
        });
        const { pixels, box } = maskedImage(image.pixels, mask, image.size, options.crop);
        return { key: image.key, size: image.size, pixels, mask, ...(box ? { box } : {}) };
      });
      await putMasked(records);
      const done = scores.length;
      report({
        kind: 'masking',
        done,
        total: rows.length,
        imagesPerSecond: done / ((performance.now() - started) / 1000),
      });
    }
    const summary: MaskingSummary = {
      source,
      crop: options.crop,
      epoch,
      datasetId: manifest.datasetId,
      datasetRevision: manifest.revision,
      storedSize: manifest.storedSize,
      createdAt: new Date().toISOString(),
      seconds: (performance.now() - started) / 1000,
      backend,
      images: scores,
      perSplit: splitScores(scores),
      unmasked,
    };
    await saveMaskingSummary(summary);
    return { summary };
  } catch (error) {
    if (!isQuotaError(error)) throw error;
    // Without their summary this pass's masked images are of no use: they give their space back.
    await clearMasked().catch(() => undefined);
    throw await storageFullError(
      `The dataset and the runs are kept; this pass's masked images were removed. Masking stores about ${formatBytes(rows.length * manifest.storedSize ** 2 * 4)}: free space (delete runs you no longer need, or free disk space), then apply the masks again.`,
    );
  } finally {
    model?.dispose();
  }
}

async function read(
  rows: DatasetRow[],
): Promise<{ images: ImageRecord[]; truths: (MaskRecord | undefined)[] }> {
  const keys = rows.map((r) => r.key);
  const [images, truths] = await Promise.all([
    getImages(keys),
    getMasks(rows.filter((r) => r.hasMask).map((r) => r.key)),
  ]);
  const truthByKey = new Map(truths.flatMap((t) => (t ? [[t.key, t] as const] : [])));
  return {
    images: present(keys, images, 'image'),
    truths: keys.map((key) => truthByKey.get(key)),
  };
}

/** The SegNet's masks at the stored size: predicted at its input size, probabilities resized back. */
export async function predictMasks(
  model: tf.LayersModel,
  images: Pick<ImageRecord, 'size' | 'pixels'>[],
): Promise<Uint8Array[]> {
  const inputSize = model.inputs[0]?.shape[1] as number;
  const size = images[0]?.size as number;
  const x = imageTensor(images, inputSize);
  const probabilities = tf.tidy(() => {
    const p = model.predict(x) as tf.Tensor4D;
    return inputSize === size ? p : tf.image.resizeBilinear(p, [size, size], true);
  });
  const data = await probabilities.data();
  tf.dispose([x, probabilities]);
  const pixels = size * size;
  return images.map((_, i) => postprocess(data.subarray(i * pixels, (i + 1) * pixels), size, size));
}

/**
 * What the classifier sees of an image: black outside the mask and, with `crop`, cut to the
 * lesion's square (returned) and zoomed back to `size`.
 */
export function maskedImage(
  pixels: Uint8Array,
  mask: Uint8Array,
  size: number,
  crop: boolean,
): { pixels: Uint8Array; box: CropBox | null } {
  const masked = applyMask(pixels, mask);
  if (!crop) return { pixels: masked, box: null };
  const box = lesionBox(mask, size);
  return { pixels: cropToBox(masked, size, 3, box), box };
}

/** RGB pixels with everything outside the mask set to black. */
export function applyMask(pixels: Uint8Array, mask: Uint8Array): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let p = 0; p < mask.length; p++) {
    if ((mask[p] as number) >= 128) {
      out[3 * p] = pixels[3 * p] as number;
      out[3 * p + 1] = pixels[3 * p + 1] as number;
      out[3 * p + 2] = pixels[3 * p + 2] as number;
    }
  }
  return out;
}
