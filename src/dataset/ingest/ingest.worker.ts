/**
 * The ingest worker's entry: decoding, resizing and storing dropped files, off the main thread.
 * Requests that change the dataset (open, ingest, delete) run one after another, so two of them
 * never read and write the manifest at once; `cancel` reaches a running ingest at any time.
 */
import { serveRpc } from '../../lib/rpc.ts';
import { deleteDataset } from '../storage.ts';
import { serialQueue, stopSwitch, type StopSwitch } from '../../lib/jobs.ts';
import { openDataset, runIngest } from './ingest.ts';
import type { IngestApi, IngestProgress } from './protocol.ts';

/** Opening and ingesting take turns: each waits for the one before to finish. */
const inTurn = serialQueue();
let running: StopSwitch | null = null;

serveRpc<IngestApi, IngestProgress>({
  open: () => inTurn(() => openDataset()),
  ingest: (params, report) => {
    if (running) {
      return Promise.reject(
        new Error('Files are already being added; wait for them or cancel first.'),
      );
    }
    const signal = stopSwitch();
    running = signal;
    return inTurn(() => runIngest(params, report, signal)).finally(() => {
      running = null;
    });
  },
  cancel: async () => {
    if (!running) return { cancelled: false };
    running.stopped = true;
    await inTurn(async () => undefined); // the ingest has ended
    return { cancelled: true };
  },
  delete: () => {
    if (running) running.stopped = true;
    return inTurn(async () => {
      await deleteDataset();
      return null;
    });
  },
});
