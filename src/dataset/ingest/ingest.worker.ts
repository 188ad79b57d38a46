/**
 * The ingest worker's entry: decoding, resizing and storing dropped files, off the main thread.
 * Requests that change the dataset (open, ingest, delete) run one after another, so two of them
 * never read and write the manifest at once; `cancel` reaches a running ingest at any time.
 */
import { serveRpc } from '../../worker/rpc.ts';
import { deleteDataset } from '../storage.ts';
import { openDataset, runIngest, type CancelSignal } from './ingest.ts';
import type { IngestApi, IngestProgress } from './protocol.ts';

let queue: Promise<unknown> = Promise.resolve();
let running: CancelSignal | null = null;

/** Runs `task` after every earlier one has finished (whether it succeeded or not). */
function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const result = queue.then(task, task);
  queue = result.catch(() => undefined);
  return result;
}

serveRpc<IngestApi, IngestProgress>({
  open: () => exclusive(() => openDataset()),
  ingest: (params, report) => {
    if (running) {
      return Promise.reject(
        new Error('Files are already being added; wait for them or cancel first.'),
      );
    }
    const signal: CancelSignal = { cancelled: false };
    running = signal;
    return exclusive(() => runIngest(params, report, signal)).finally(() => {
      running = null;
    });
  },
  cancel: async () => {
    if (!running) return { cancelled: false };
    running.cancelled = true;
    await queue;
    return { cancelled: true };
  },
  delete: () => {
    if (running) running.cancelled = true;
    return exclusive(async () => {
      await deleteDataset();
      return null;
    });
  },
});
