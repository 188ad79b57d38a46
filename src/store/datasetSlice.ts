/**
 * The Dataset stage: what is stored, the ingest in progress, and the actions on the dataset. Before
 * an ingest the page estimates what it will store against the space the browser says is left, and
 * asks before one that may not fit; jobs that write take the cross-tab job lock.
 */
import type { StateCreator } from 'zustand';
import { fetchDemoDataset } from '../dataset/demo.ts';
import {
  estimateIngest,
  ingestBytes,
  maskingBytes,
  type IngestEstimate,
} from '../dataset/estimate.ts';
import { ingestClient, type IngestClient } from '../dataset/ingest/client.ts';
import type { IngestProgress, IngestResult } from '../dataset/ingest/protocol.ts';
import { DEFAULT_STORED_SIZE, isEmpty } from '../dataset/manifest.ts';
import type { PickedFiles } from '../dataset/pickedFiles.ts';
import { loadManifest, storageEstimate } from '../dataset/storage.ts';
import { summarize, type DatasetSummary } from '../dataset/summary.ts';
import { JobBusyError, withJobLock } from '../storage/jobLock.ts';
import { isPersisted, requestPersistence } from '../storage/persistence.ts';
import { errorText } from '../lib/errorText.ts';
import type { AppState } from './index.ts';

export type IngestState = 'idle' | 'running' | 'done' | 'error';

export interface DatasetInfo {
  datasetId: string;
  revision: number;
  storedSize: number;
  updatedAt: string;
  labelFiles: string[];
}

export interface DatasetSlice {
  dataset: {
    status: IngestState;
    summary: DatasetSummary | null;
    info: DatasetInfo | null;
    progress: IngestProgress | null;
    result: IngestResult | null;
    error: string | null;
    /** Bytes this site stores, and may store (navigator.storage.estimate). */
    storage: { usage: number; quota: number } | null;
    /** Stored image size for a new dataset; an existing dataset keeps its own. */
    storedSize: number;
    /** Store images of other definite diagnoses for an "other" class, rather than leave them out. */
    keepOther: boolean;
    /** The latest drop's estimate; `waiting` while the person decides on one that may not fit. */
    estimate: (IngestEstimate & { waiting: boolean }) | null;
    /** The browser keeps this site's data when the disk runs low; null where it cannot say. */
    persisted: boolean | null;
  };
  /** Reads the stored dataset (and takes back records a reload left out of the manifest). */
  openDataset: () => Promise<void>;
  addFiles: (picked: PickedFiles) => Promise<void>;
  loadDemo: () => Promise<void>;
  cancelIngest: () => Promise<void>;
  /** Goes on with the drop the estimate held back, at `storedSize` if given (a new dataset). */
  confirmIngest: (storedSize?: number) => Promise<void>;
  /** Drops the drop the estimate held back. */
  dismissIngest: () => void;
  /** Asks the browser to keep this site's data when the disk runs low. */
  persistStorage: () => Promise<void>;
  deleteDataset: () => Promise<void>;
  setStoredSize: (size: number) => void;
  setKeepOther: (keep: boolean) => void;
}

export const createDatasetSlice: StateCreator<AppState, [], [], DatasetSlice> = (set, get) => {
  const patch = (p: Partial<DatasetSlice['dataset']>) =>
    set((state) => ({ dataset: { ...state.dataset, ...p } }));
  let client: IngestClient | null = null;
  const worker = () =>
    (client ??= ingestClient((failure) => patch({ status: 'error', error: failure.message })));

  const refresh = async () => {
    const [manifest, storage, persisted] = await Promise.all([
      loadManifest(),
      storageEstimate(),
      isPersisted(),
    ]);
    patch({
      summary: manifest && !isEmpty(manifest) ? summarize(manifest) : null,
      info: manifest
        ? {
            datasetId: manifest.datasetId,
            revision: manifest.revision,
            storedSize: manifest.storedSize,
            updatedAt: manifest.updatedAt,
            labelFiles: manifest.labelFiles,
          }
        : null,
      storage,
      persisted,
    });
  };

  /** The dataset's own size once it has a revision (something stored), else the one chosen. */
  const storedSize = () => {
    const { info, storedSize: chosen } = get().dataset;
    return info && info.revision > 0 ? info.storedSize : chosen;
  };

  /** A drop the estimate held back until the person decides. */
  let held: { picked: PickedFiles; job: string } | null = null;

  const ingest = async (picked: PickedFiles, job: string) => {
    patch({ status: 'running', progress: null, result: null, error: null });
    // A dataset's first files: ask the browser to keep them when the disk runs low (not awaited:
    // a browser that asks the person must not hold the ingest up).
    if (!get().dataset.summary && get().dataset.persisted === false) {
      void requestPersistence().then((persisted) => patch({ persisted }));
    }
    try {
      const result = await withJobLock(job, () =>
        worker().call(
          'ingest',
          { ...picked, storedSize: storedSize(), keepOther: get().dataset.keepOther },
          (progress) => patch({ progress }),
        ),
      );
      await refresh();
      patch({ status: result.cancelled ? 'idle' : 'done', result });
    } catch (error) {
      // Refused for another tab's job: nothing changed here (that tab's ingest is half done).
      if (!(error instanceof JobBusyError)) await refresh().catch(() => undefined);
      patch({ status: 'error', error: errorText(error) });
    }
  };

  /** Estimates the drop; ingests it at once when it fits, else holds it for the person. */
  const check = async (picked: PickedFiles, job: string) => {
    held = null;
    patch({ status: 'running', progress: null, result: null, error: null, estimate: null });
    const storage = await storageEstimate();
    patch({ storage });
    const rows = get().dataset.summary?.rows ?? [];
    const estimate = await estimateIngest(
      picked.items,
      storedSize(),
      {
        images: new Set(rows.map((r) => r.key)),
        masks: new Set(rows.filter((r) => r.hasMask).map((r) => r.key)),
      },
      storage.quota > 0 ? Math.max(0, storage.quota - storage.usage) : null,
    ).catch(() => null);
    patch({ estimate: estimate && { ...estimate, waiting: !estimate.fits } });
    if (estimate && !estimate.fits) {
      held = { picked, job };
      patch({ status: 'idle' });
      return;
    }
    await ingest(picked, job);
  };

  return {
    dataset: {
      status: 'idle',
      summary: null,
      info: null,
      progress: null,
      result: null,
      error: null,
      storage: null,
      storedSize: DEFAULT_STORED_SIZE,
      keepOther: false,
      estimate: null,
      persisted: null,
    },

    openDataset: async () => {
      try {
        // Taking back records a reload left out writes the manifest: not while another tab adds files.
        await withJobLock('opening the dataset', () => worker().call('open', {})).catch(
          (error: unknown) => {
            if (!(error instanceof JobBusyError)) throw error;
          },
        );
        await refresh();
      } catch (error) {
        patch({
          status: 'error',
          error: `The stored dataset could not be read: ${errorText(error)}`,
        });
      }
    },

    addFiles: async (picked) => {
      if (get().dataset.status === 'running') return;
      if (picked.items.length === 0 && picked.emptyFolders.length === 0) {
        patch({
          status: 'error',
          error: 'Nothing to add: the folder or selection holds no files.',
        });
        return;
      }
      await check(picked, 'adding files to the dataset');
    },

    loadDemo: async () => {
      if (get().dataset.status === 'running') return;
      patch({ status: 'running', progress: null, error: null });
      let picked: PickedFiles;
      try {
        picked = await fetchDemoDataset();
      } catch (error) {
        patch({ status: 'error', error: errorText(error) });
        return;
      }
      await check(picked, 'adding the demo dataset');
    },

    cancelIngest: async () => {
      await worker().call('cancel', {});
    },

    confirmIngest: async (size) => {
      const drop = held;
      const estimate = get().dataset.estimate;
      if (!drop || !estimate || get().dataset.status === 'running') return;
      held = null;
      const sizeFree = !(get().dataset.info?.revision ?? 0);
      if (size !== undefined && size !== estimate.storedSize && sizeFree) {
        patch({
          storedSize: size,
          estimate: {
            ...estimate,
            storedSize: size,
            bytes: ingestBytes(estimate.images, estimate.masks, size),
            maskingBytes: maskingBytes(estimate.images, size),
            fits: estimate.available === null || size <= (estimate.fittingSize ?? 0),
            waiting: false,
          },
        });
      } else {
        patch({ estimate: { ...estimate, waiting: false } });
      }
      await ingest(drop.picked, drop.job);
    },

    dismissIngest: () => {
      held = null;
      patch({ estimate: null });
    },

    persistStorage: async () => {
      patch({ persisted: await requestPersistence() });
    },

    deleteDataset: async () => {
      try {
        await withJobLock('deleting the dataset', () => worker().call('delete', {}));
        patch({ status: 'idle', progress: null, result: null, error: null });
      } catch (error) {
        patch({ status: 'error', error: errorText(error) });
      }
      await refresh();
      // The masked images went with the dataset.
      await get().loadMasking();
    },

    setStoredSize: (storedSize) => patch({ storedSize }),
    setKeepOther: (keepOther) => patch({ keepOther }),
  };
};
