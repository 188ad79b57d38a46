/**
 * The ingest worker's entry: decoding, resizing and storing dropped files, off the main thread.
 * Only one ingest runs at a time; `cancel` and `delete` reach it while it runs.
 */
import { serveRpc } from '../../worker/rpc.ts';
import { deleteDataset } from '../storage.ts';
import { openDataset, runIngest, type CancelSignal } from './ingest.ts';
import type { IngestApi, IngestProgress } from './protocol.ts';

let running: { signal: CancelSignal; done: Promise<unknown> } | null = null;

serveRpc<IngestApi, IngestProgress>({
  open: () => openDataset(),
  ingest: async (params, report) => {
    if (running) throw new Error('Files are already being added; wait for them or cancel first.');
    const signal: CancelSignal = { cancelled: false };
    const done = runIngest(params, report, signal);
    running = { signal, done };
    try {
      return await done;
    } finally {
      running = null;
    }
  },
  cancel: async () => {
    if (!running) return { cancelled: false };
    running.signal.cancelled = true;
    await running.done.catch(() => undefined);
    return { cancelled: true };
  },
  delete: async () => {
    if (running) {
      running.signal.cancelled = true;
      await running.done.catch(() => undefined);
    }
    await deleteDataset();
    return null;
  },
});
