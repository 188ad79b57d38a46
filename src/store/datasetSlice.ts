/** The Dataset stage: what is stored, the ingest in progress, and the actions on the dataset. */
import type { StateCreator } from 'zustand';
import { fetchDemoDataset } from '../dataset/demo.ts';
import { ingestClient, type IngestClient } from '../dataset/ingest/client.ts';
import type { IngestProgress, IngestResult } from '../dataset/ingest/protocol.ts';
import { DEFAULT_STORED_SIZE, isEmpty } from '../dataset/manifest.ts';
import type { PickedFiles } from '../dataset/pickedFiles.ts';
import { loadManifest, storageEstimate } from '../dataset/storage.ts';
import { summarize, type DatasetSummary } from '../dataset/summary.ts';
import { errorText } from './errorText.ts';
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
  };
  /** Reads the stored dataset (and takes back records a reload left out of the manifest). */
  openDataset: () => Promise<void>;
  addFiles: (picked: PickedFiles) => Promise<void>;
  loadDemo: () => Promise<void>;
  cancelIngest: () => Promise<void>;
  deleteDataset: () => Promise<void>;
  setStoredSize: (size: number) => void;
}

export const createDatasetSlice: StateCreator<AppState, [], [], DatasetSlice> = (set, get) => {
  const patch = (p: Partial<DatasetSlice['dataset']>) =>
    set((state) => ({ dataset: { ...state.dataset, ...p } }));
  let client: IngestClient | null = null;
  const worker = () =>
    (client ??= ingestClient((failure) => patch({ status: 'error', error: failure.message })));

  const refresh = async () => {
    const [manifest, storage] = await Promise.all([loadManifest(), storageEstimate()]);
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
    });
  };

  const ingest = async (picked: PickedFiles) => {
    patch({ status: 'running', progress: null, result: null, error: null });
    try {
      const result = await worker().call(
        'ingest',
        { ...picked, storedSize: get().dataset.info?.storedSize ?? get().dataset.storedSize },
        (progress) => patch({ progress }),
      );
      await refresh();
      patch({ status: result.cancelled ? 'idle' : 'done', result });
    } catch (error) {
      await refresh().catch(() => undefined);
      patch({ status: 'error', error: errorText(error) });
    }
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
    },

    openDataset: async () => {
      try {
        await worker().call('open', {});
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
      await ingest(picked);
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
      await ingest(picked);
    },

    cancelIngest: async () => {
      await worker().call('cancel', {});
    },

    deleteDataset: async () => {
      try {
        await worker().call('delete', {});
        patch({ status: 'idle', progress: null, result: null, error: null });
      } catch (error) {
        patch({ status: 'error', error: errorText(error) });
      }
      await refresh();
      // The masked images went with the dataset.
      await get().loadMasking();
    },

    setStoredSize: (storedSize) => patch({ storedSize }),
  };
};
