/**
 * The scale benchmark's page (served by Vite's dev server, driven by bench/scale.ts), on the same
 * origin as the app, so it sees the dataset the app stored in this browser profile:
 * - `window.runScaleStreaming(options)`: SegNet epochs under several cache budgets, in a worker;
 * - `window.runListRuns(options)`: stores seed-classifier runs with their optimizer state, then
 *   times `listRuns` on the page as the app calls it, and counts the bytes IndexedDB hands back.
 */
import { createStore, set, values } from 'idb-keyval';
import { STORES } from '../../src/storage/stores.ts';
import {
  deleteRunRecords,
  listRuns,
  optimizerKey,
  saveRun,
  saveRunState,
  type RunRecord,
} from '../../src/runs/runs.ts';
import { pageWorker } from '../common/page.ts';
import type {
  BudgetRound,
  ListRunsOptions,
  ListRunsResult,
  StreamingOptions,
  StreamingResult,
} from './protocol.ts';

declare global {
  interface Window {
    runScaleStreaming: (options: StreamingOptions, worker?: string) => Promise<StreamingResult>;
    runListRuns: (options: ListRunsOptions) => Promise<ListRunsResult>;
  }
}

window.runScaleStreaming = pageWorker<StreamingOptions, StreamingResult, BudgetRound>(
  () => new Worker(new URL('./scale.worker.ts', import.meta.url), { type: 'module' }),
  (options) => `scale ${options.backend}`,
);

/** Bytes of a value as IndexedDB hands it back: typed arrays by their bytes, text by its length. */
function sizeOf(value: unknown): number {
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 8;
  return Object.values(value).reduce((sum: number, v) => sum + sizeOf(v), 0);
}

/** Runs `work` and adds up the bytes of every value IndexedDB hands back meanwhile. */
async function bytesRead(work: () => Promise<unknown>): Promise<{ ms: number; bytes: number }> {
  let bytes = 0;
  const count = (request: IDBRequest) => {
    request.addEventListener('success', () => {
      bytes += sizeOf(request.result);
    });
    return request;
  };
  const proto = IDBObjectStore.prototype;
  const { get, getAll } = proto;
  proto.get = function (this: IDBObjectStore, query) {
    return count(get.call(this, query));
  };
  proto.getAll = function (this: IDBObjectStore, ...args) {
    return count(getAll.apply(this, args));
  };
  const started = performance.now();
  try {
    await work();
    return { ms: performance.now() - started, bytes };
  } finally {
    proto.get = get;
    proto.getAll = getAll;
  }
}

function seedRun(id: string, createdAt: string): RunRecord {
  return {
    id,
    kind: 'classifier',
    preset: 'seed',
    config: { note: 'scale benchmark' },
    seed: 1,
    backend: 'wasm',
    datasetId: 'bench',
    datasetRevision: 1,
    images: { train: 2000, val: 150 },
    status: 'finished',
    history: Array.from({ length: 50 }, (_, epoch) => ({
      epoch,
      loss: 0.5,
      valLoss: 0.6,
      val: { accuracy: 0.7, melanomaAuc: 0.8, seborrheicKeratosisAuc: 0.85 },
      seconds: 60,
      imagesPerSecond: 30,
    })),
    epochsDone: 50,
    bestEpoch: 40,
    bestValue: 0.8,
    trainSeconds: 3000,
    createdAt,
    updatedAt: createdAt,
    appVersion: 'bench',
    tfjsVersion: 'bench',
  };
}

/** Adam's two moments of the seed head, as checkpoint.ts stores an optimizer's state. */
function optimizerState(floats: number) {
  const half = Math.floor(floats / 2);
  return ['m', 'v'].map((moment) => ({
    name: `dense_1/kernel/${moment}`,
    shape: [half],
    data: new Float32Array(half).fill(1e-3),
  }));
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

window.runListRuns = async ({ runs, optimizerFloats }) => {
  const ids = Array.from({ length: runs }, (_, i) => `classifier-bench-${i}`);
  for (const [i, id] of ids.entries()) {
    await saveRun(seedRun(id, `2026-01-${String(i + 1).padStart(2, '0')}`));
    await saveRunState(optimizerKey(id), optimizerState(optimizerFloats));
  }
  const calls: { ms: number; bytes: number }[] = [];
  for (let call = 0; call < 5; call++) {
    calls.push(
      await bytesRead(async () => {
        if ((await listRuns('classifier')).length !== runs) throw new Error('runs missing');
      }),
    );
  }
  // The layout before the run-data store: state beside the record, and the store read whole.
  const legacyId = 'classifier-bench-legacy';
  const legacyStore = createStore(STORES.runs.database, STORES.runs.objectStore);
  await saveRun(seedRun(legacyId, '2025-12-01'));
  await set(optimizerKey(legacyId), optimizerState(optimizerFloats), legacyStore);
  const legacy = await bytesRead(() => values(legacyStore));
  for (const id of [...ids, legacyId]) await deleteRunRecords(id);
  return {
    runs,
    stateBytes: Math.floor(optimizerFloats / 2) * 2 * 4,
    listMs: median(calls.map((c) => c.ms)),
    listBytesRead: median(calls.map((c) => c.bytes)),
    legacyMs: legacy.ms,
    legacyBytesRead: legacy.bytes,
  };
};
