/**
 * Stored training data for the training tests: bright square lesions on dark skin, each image with
 * the mask of its square, written to (fake) IndexedDB as the ingest worker writes them.
 */
import { emptyManifest } from '../dataset/manifest.ts';
import { putBatch, saveManifest, type ImageRecord, type MaskRecord } from '../dataset/storage.ts';
import type { Split } from '../dataset/types.ts';

export interface LesionPair {
  image: ImageRecord;
  mask: MaskRecord;
}

/** An 8x8 square lesion at a place that depends on n, in a `size` x `size` image (size ≥ 16). */
export function squareLesion(
  n: number,
  size: number,
  folderSplit: Split | null = null,
): LesionPair {
  const entry = {
    id: `ISIC_${n}`,
    source: `ISIC_${n}.jpg`,
    width: 64,
    height: 64,
    folderSplit,
    key: `isic_${n}`,
    size,
  };
  const pixels = new Uint8Array(size * size * 3).fill(40);
  const mask = new Uint8Array(size * size);
  const top = n % 7;
  const left = (n * 3) % 7;
  for (let y = top; y < top + 8; y++) {
    for (let x = left; x < left + 8; x++) {
      mask[y * size + x] = 255;
      pixels.fill(220, (y * size + x) * 3, (y * size + x) * 3 + 3);
    }
  }
  return { image: { ...entry, pixels }, mask: { ...entry, pixels: mask } };
}

export async function storePairs(pairs: LesionPair[]): Promise<void> {
  await putBatch(
    'images',
    pairs.map((p) => p.image),
    [],
  );
  await putBatch(
    'masks',
    pairs.map((p) => p.mask),
    [],
  );
}

/** Stores the pairs and a manifest of `size` px that lists each image with its mask. */
export async function storeDataset(pairs: LesionPair[], size: number): Promise<void> {
  await storePairs(pairs);
  const manifest = emptyManifest(size);
  for (const { image } of pairs) {
    const { key, id, source, width, height, folderSplit } = image;
    manifest.images[key] = { id, source, width, height, folderSplit };
    manifest.masks[key] = { id, source: `${id}_segmentation.png`, width, height, folderSplit };
  }
  await saveManifest(manifest);
}
