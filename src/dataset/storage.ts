/**
 * Where the dataset lives: IndexedDB through idb-keyval, one named store per kind of record, keys
 * versioned. Pixel records are written before the manifest that lists them, and each record is one
 * write (one transaction), so a reload or a full disk never leaves half a record; `recoverOrphans`
 * lists records a reload caught before the manifest was saved. Used by the ingest worker (writes)
 * and the page (reads).
 */
import { clear, del, get, getMany, keys, set, setMany, type UseStore } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import type { DatasetManifest, SourceEntry } from './manifest.ts';

/** The dataset's stores (src/storage/stores.ts says what each holds). */
const stores = {
  datasets: store('datasets'),
  images: store('images'),
  masks: store('masks'),
  thumbs: store('thumbs'),
  masked: store('masked'),
} satisfies Record<string, UseStore>;

const MANIFEST_KEY = 'current';
/** The Masking stage's summary sits beside the manifest it was made from. */
const MASKING_KEY = 'masking';

/** An image at the stored size: RGB bytes, row-major, `size * size * 3`. */
export interface ImageRecord extends SourceEntry {
  key: string;
  size: number;
  pixels: Uint8Array;
}

/** A mask at the stored size: one byte per pixel, 0 or 255, `size * size`. */
export interface MaskRecord extends SourceEntry {
  key: string;
  size: number;
  pixels: Uint8Array;
}

export class StorageFullError extends Error {
  override name = 'StorageFullError';
}

/** Turns a QuotaExceededError into a message that says what is stored and how to free space. */
export async function guardQuota<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof DOMException && error.name === 'QuotaExceededError') {
      const { usage, quota } = await storageEstimate();
      throw new StorageFullError(
        `The browser's storage for this site is full (${formatBytes(usage)} used of ${formatBytes(quota)} allowed). ` +
          'Everything stored so far is kept. Free disk space, or delete the dataset (or choose a smaller stored size) and add it again.',
      );
    }
    throw error;
  }
}

export function loadManifest(): Promise<DatasetManifest | undefined> {
  return get<DatasetManifest>(MANIFEST_KEY, stores.datasets);
}

export function saveManifest(manifest: DatasetManifest): Promise<void> {
  return guardQuota(() => set(MANIFEST_KEY, manifest, stores.datasets));
}

export type RecordKind = 'images' | 'masks';

/**
 * Stores a batch of pixel records, then their thumbnails: one transaction each, so a batch costs
 * two commits rather than two per image. A record is whole or absent, never half written.
 */
export async function putBatch(
  kind: RecordKind,
  records: (ImageRecord | MaskRecord)[],
  thumbs: [string, Blob | Uint8Array][],
): Promise<void> {
  await guardQuota(() =>
    setMany(
      records.map((r) => [r.key, r]),
      stores[kind],
    ),
  );
  await guardQuota(() => setMany(thumbs, stores.thumbs));
}

/** The thumbnails' keys: a small JPEG per image, the mask at thumbnail size for the outline. */
export const thumbKey = (kind: RecordKind, key: string) =>
  `${kind === 'images' ? 'image' : 'mask'}/${key}`;

export function getImages(keyList: string[]): Promise<(ImageRecord | undefined)[]> {
  return getMany<ImageRecord>(keyList, stores.images);
}

export function getMasks(keyList: string[]): Promise<(MaskRecord | undefined)[]> {
  return getMany<MaskRecord>(keyList, stores.masks);
}

export async function getThumbs(
  keyList: string[],
): Promise<{ image: Blob | undefined; mask: Uint8Array | undefined }[]> {
  const values = await getMany<Blob | Uint8Array>(
    keyList.flatMap((k) => [thumbKey('images', k), thumbKey('masks', k)]),
    stores.thumbs,
  );
  return keyList.map((_, i) => ({
    image: values[2 * i] as Blob | undefined,
    mask: values[2 * i + 1] as Uint8Array | undefined,
  }));
}

/**
 * Images and masks stored but missing from the manifest (the page was closed between the record's
 * write and the manifest's): their entries, so the manifest can take them back.
 */
export async function recoverOrphans(
  manifest: DatasetManifest,
): Promise<{ images: Record<string, SourceEntry>; masks: Record<string, SourceEntry> }> {
  const recover = async (store: UseStore, known: Record<string, SourceEntry>) => {
    const orphanKeys = (await keys<string>(store)).filter((k) => !(k in known));
    const records = await getMany<ImageRecord | MaskRecord>(orphanKeys, store);
    const entries: Record<string, SourceEntry> = {};
    for (const r of records) {
      if (r)
        entries[r.key] = {
          id: r.id,
          source: r.source,
          width: r.width,
          height: r.height,
          folderSplit: r.folderSplit,
        };
    }
    return entries;
  };
  return {
    images: await recover(stores.images, manifest.images),
    masks: await recover(stores.masks, manifest.masks),
  };
}

/** A masked image at the stored size, with the mask that made it and its score against the truth. */
export interface MaskedRecord {
  key: string;
  size: number;
  /** RGB bytes, `size * size * 3`, black outside the mask. */
  pixels: Uint8Array;
  /** The mask applied, one byte per pixel, 0 or 255. */
  mask: Uint8Array;
}

export function putMasked(records: MaskedRecord[]): Promise<void> {
  return guardQuota(() =>
    setMany(
      records.map((r) => [r.key, r]),
      stores.masked,
    ),
  );
}

export function getMasked(keyList: string[]): Promise<(MaskedRecord | undefined)[]> {
  return getMany<MaskedRecord>(keyList, stores.masked);
}

/** Forgets every masked image and the summary (before masking again). */
export async function clearMasked(): Promise<void> {
  await del(MASKING_KEY, stores.datasets);
  await clear(stores.masked);
}

export function saveMaskingSummary<T>(summary: T): Promise<void> {
  return guardQuota(() => set(MASKING_KEY, summary, stores.datasets));
}

export function loadMaskingSummary<T>(): Promise<T | undefined> {
  return get<T>(MASKING_KEY, stores.datasets);
}

/** Deletes the dataset: manifest, images, masks, thumbnails and masked images. */
export async function deleteDataset(): Promise<void> {
  await Promise.all(Object.values(stores).map((store) => clear(store)));
}

export async function storageEstimate(): Promise<{ usage: number; quota: number }> {
  const estimate = await navigator.storage?.estimate?.();
  return { usage: estimate?.usage ?? 0, quota: estimate?.quota ?? 0 };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
