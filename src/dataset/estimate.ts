/**
 * What an ingest will store, worked out on the page before the ingest worker starts: the dropped
 * images and masks are counted by path (zips by their entries list, nothing decompressed), those
 * already stored are left out, and each is priced at the stored size. The browser's estimate of
 * the space left (quota − usage) says whether that fits, and which stored size would.
 */
import { classifyPath } from './layout.ts';
import { STORED_SIZES, THUMB_SIZE } from './manifest.ts';
import type { DroppedItem } from './ingest/sources.ts';

/** A thumbnail JPEG at 96 px: 3–5 KB. */
const THUMB_JPEG_BYTES = 5 * 1024;
/** Per record: its key, id, source path and sizes as structured clone writes them, and IndexedDB's own. */
const RECORD_OVERHEAD = 512;

/** Bytes an ingest stores per image (RGB pixels and a JPEG thumbnail) and per mask. */
export function ingestBytes(images: number, masks: number, storedSize: number): number {
  const image = storedSize ** 2 * 3 + THUMB_JPEG_BYTES + 2 * RECORD_OVERHEAD;
  const mask = storedSize ** 2 + THUMB_SIZE ** 2 + 2 * RECORD_OVERHEAD;
  return images * image + masks * mask;
}

/** Bytes the Masking stage stores later per image: the masked RGB pixels and the mask applied. */
export function maskingBytes(images: number, storedSize: number): number {
  return images * (storedSize ** 2 * 4 + RECORD_OVERHEAD);
}

export interface IngestEstimate {
  /** Images and masks the drop adds (not stored yet). */
  images: number;
  masks: number;
  storedSize: number;
  /** Bytes the ingest will store. */
  bytes: number;
  /** Bytes masking these images will store later. */
  maskingBytes: number;
  /** What the browser says this site may still store (quota − usage); null when it does not say. */
  available: number | null;
  /** The ingest fits in `available` (or nothing is known against it). */
  fits: boolean;
  /** The largest stored size at which the ingest fits `available`; null if none does. */
  fittingSize: number | null;
  /**
   * HDF5 files (ISIC 2024) in the drop: their images are looked up by the metadata rows' ids as
   * the ingest reads them, so they are not in `images` (nor `bytes`).
   */
  uncounted: string[];
}

/** Keys of what is stored already: dropping them again stores nothing. */
export interface StoredKeys {
  images: ReadonlySet<string>;
  masks: ReadonlySet<string>;
}

export async function estimateIngest(
  items: readonly DroppedItem[],
  storedSize: number,
  stored: StoredKeys,
  available: number | null,
): Promise<IngestEstimate> {
  const { images, masks, uncounted } = await countNew(items, stored);
  const bytes = ingestBytes(images, masks, storedSize);
  const fittingSize =
    available === null
      ? null
      : ([...STORED_SIZES]
          .reverse()
          .find((size) => ingestBytes(images, masks, size) <= available) ?? null);
  return {
    images,
    masks,
    storedSize,
    bytes,
    maskingBytes: maskingBytes(images, storedSize),
    available,
    fits: available === null || bytes <= available,
    fittingSize,
    uncounted,
  };
}

/** The images and masks among the dropped files (and inside dropped zips) not stored yet. */
export async function countNew(
  items: readonly DroppedItem[],
  stored: StoredKeys,
): Promise<{ images: number; masks: number; uncounted: string[] }> {
  const images = new Set<string>();
  const masks = new Set<string>();
  const uncounted: string[] = [];
  const add = (path: string) => {
    const role = classifyPath(path);
    if (role.kind === 'image' && !stored.images.has(role.key)) images.add(role.key);
    else if (role.kind === 'mask' && !stored.masks.has(role.key)) masks.add(role.key);
    else if (role.kind === 'hdf5') uncounted.push(path);
  };
  for (const item of items) {
    if (/\.zip$/i.test(item.path)) {
      for (const entry of await zipEntries(item.file)) add(`${item.path}/${entry}`);
    } else {
      add(item.path);
    }
  }
  return { images: images.size, masks: masks.size, uncounted };
}

/** The file names in a zip, from its central directory; none when it is not a zip (the ingest says so). */
async function zipEntries(file: Blob): Promise<string[]> {
  const { BlobReader, ZipReader } = await import('@zip.js/zip.js');
  const reader = new ZipReader(new BlobReader(file));
  try {
    const entries = await reader.getEntries();
    return entries.filter((e) => !e.directory).map((e) => e.filename);
  } catch {
    return [];
  } finally {
    await reader.close().catch(() => undefined);
  }
}
