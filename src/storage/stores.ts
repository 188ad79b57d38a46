/**
 * Every IndexedDB store the app keeps, and what each holds. idb-keyval gives each store a database
 * of its own (`lesion-lab/v1/<name>`); the version in the name changes only when a store's records
 * change shape. Small records that the page lists (the manifest, run records) never share a store
 * with large ones (pixels, optimizer state, features), so listing them reads nothing large.
 *
 * Models are the one exception: they live where tfjs's `indexeddb://` handler keeps them, in the
 * database `tensorflowjs` (stores `models_store` and `model_info_store`, written by
 * src/runs/saveModel.ts), under the keys that `modelUrl` (src/runs/checkpoint.ts, two slots per
 * checkpoint) and the pretrained weights' URL name.
 *
 * No tfjs here: the page and both workers use this module.
 */
import { createStore, type UseStore } from 'idb-keyval';

export const STORE_PREFIX = 'lesion-lab/v1';

export interface StoreInfo {
  /** The database's name (idb-keyval: one object store per database, named below). */
  database: string;
  objectStore: string;
  /** What it holds, by key. */
  holds: string;
  /** Copied into a whole-browser backup. */
  backedUp: boolean;
}

export const STORES = {
  datasets: {
    database: `${STORE_PREFIX}/datasets`,
    objectStore: 'datasets',
    holds:
      "`current`: the dataset manifest (no pixels); `masking`: the Masking stage's summary; `backup-import`: an unfinished import's mark",
    backedUp: true,
  },
  images: {
    database: `${STORE_PREFIX}/images`,
    objectStore: 'images',
    holds: 'image key → the photo at the stored size (RGB bytes) with its source entry',
    backedUp: true,
  },
  masks: {
    database: `${STORE_PREFIX}/masks`,
    objectStore: 'masks',
    holds: 'image key → the ground-truth mask at the stored size (one byte a pixel)',
    backedUp: true,
  },
  thumbs: {
    database: `${STORE_PREFIX}/thumbs`,
    objectStore: 'thumbs',
    holds: '`image/<key>`: a small JPEG; `mask/<key>`: the mask at thumbnail size',
    backedUp: true,
  },
  masked: {
    database: `${STORE_PREFIX}/masked`,
    objectStore: 'masked',
    holds: "image key → the Masking stage's output: the photo blacked out outside its mask",
    backedUp: true,
  },
  runs: {
    database: `${STORE_PREFIX}/runs`,
    objectStore: 'runs',
    holds:
      'run id → the run record (config, history, status; a few KB). Databases written before ' +
      'run-data existed also hold `<runId>/…` state here, read as a fallback',
    backedUp: true,
  },
  runData: {
    database: `${STORE_PREFIX}/run-data`,
    objectStore: 'run-data',
    holds:
      '`<runId>/optimizer` (`…/optimizer-b` in slot b), `<runId>/previews`, `<runId>/predictions`, ' +
      '`<runId>/eval/<split>`, ' +
      '`pretrained/densenet121`: large or per-run state read only by the one view that needs it',
    backedUp: true,
  },
  features: {
    database: `${STORE_PREFIX}/features`,
    objectStore: 'features',
    holds: '`<runId>/<sampleKey>`: a frozen backbone’s output per sample (recomputed if lost)',
    backedUp: false,
  },
  backendTimings: {
    database: `${STORE_PREFIX}/backend-timings`,
    objectStore: 'timings',
    holds:
      "work and device → images per second of each backend (measured again if lost); `engine-check:` check revision, adapter and app version → the training engine's self-check on that adapter; `tiles:` revision, adapter and app version → the tile each filter-gradient shape ran fastest with there",
    backedUp: false,
  },
} as const satisfies Record<string, StoreInfo>;

export type StoreName = keyof typeof STORES;

const opened = new Map<StoreName, UseStore>();

/** The idb-keyval handle of a store (the database opens on first use). */
export function store(name: StoreName): UseStore {
  let handle = opened.get(name);
  if (!handle) {
    handle = createStore(STORES[name].database, STORES[name].objectStore);
    opened.set(name, handle);
  }
  return handle;
}
