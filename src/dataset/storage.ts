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
import type { CropBox } from '../masking/lesionCrop.ts';

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

/** How a storage-full message starts, whatever the job (the page tells these errors by it). */
export const STORAGE_FULL = "The browser's storage for this site is full";

/** What an ingest that ran out of space kept, and how to go on. */
const INGEST_ADVICE =
  'Everything stored so far is kept. Free disk space, or delete the dataset (or choose a smaller stored size) and add it again.';

/**
 * The browser refused to store more: IndexedDB's QuotaExceededError, from a request or (Chromium
 * checks the quota when a transaction commits) from the transaction's abort.
 */
export function isQuotaError(error: unknown): boolean {
  return (
    error instanceof StorageFullError ||
    (typeof error === 'object' &&
      error !== null &&
      (error as { name?: unknown }).name === 'QuotaExceededError')
  );
}

/** The message for a full disk: how much this site stores, then `advice` (what was kept, what to do). */
export async function storageFullError(advice: string): Promise<StorageFullError> {
  const { usage, quota } = await storageEstimate();
  // Chromium's estimate reports a quota of its own, often far above the limit the disk sets.
  const amounts =
    quota > 0 && usage >= 0.9 * quota
      ? `${formatBytes(usage)} used of ${formatBytes(quota)} allowed`
      : `it stores ${formatBytes(usage)}; the disk or the browser's limit is reached`;
  return new StorageFullError(`${STORAGE_FULL} (${amounts}). ${advice}`);
}

/**
 * Turns a QuotaExceededError into a message that says what is stored and how to free space;
 * `advice` says what the job kept and how to go on (the ingest's by default).
 */
export async function guardQuota<T>(write: () => Promise<T>, advice = INGEST_ADVICE): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof StorageFullError || !isQuotaError(error)) throw error;
    throw await storageFullError(advice);
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

const RECOVER_CHUNK = 64;

/**
 * Images and masks stored but missing from the manifest (the page was closed between the record's
 * write and the manifest's): their entries, so the manifest can take them back.
 */
export async function recoverOrphans(
  manifest: DatasetManifest,
): Promise<{ images: Record<string, SourceEntry>; masks: Record<string, SourceEntry> }> {
  const recover = async (store: UseStore, known: Record<string, SourceEntry>) => {
    const orphanKeys = (await keys<string>(store)).filter((k) => !(k in known));
    const entries: Record<string, SourceEntry> = {};
    // A few records at a time: only their entries are kept, never a run of pixels.
    for (let start = 0; start < orphanKeys.length; start += RECOVER_CHUNK) {
      const chunk = orphanKeys.slice(start, start + RECOVER_CHUNK);
      for (const r of await getMany<ImageRecord | MaskRecord>(chunk, store)) {
        if (r)
          entries[r.key] = {
            id: r.id,
            source: r.source,
            width: r.width,
            height: r.height,
            folderSplit: r.folderSplit,
          };
      }
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
  /** RGB bytes, `size * size * 3`, black outside the mask; the lesion's square, zoomed, with `box`. */
  pixels: Uint8Array;
  /** The mask applied (of the whole image), one byte per pixel, 0 or 255. */
  mask: Uint8Array;
  /** The square of the image that `pixels` show, when the masking cut to the lesion. */
  box?: CropBox;
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
  const estimate =
    typeof navigator === 'undefined' ? undefined : await navigator.storage?.estimate?.();
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
