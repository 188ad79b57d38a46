import 'fake-indexeddb/auto';
import { createStore, set } from 'idb-keyval';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STORES } from '../storage/stores.ts';
import {
  deleteRunRecords,
  listRuns,
  loadRunState,
  optimizerKey,
  saveRun,
  saveRunState,
  type RunRecord,
} from './runs.ts';
import { testRun } from './testRuns.ts';

/** Every value IndexedDB hands back while `work` runs, by the store and key it came from. */
async function valuesRead(work: () => Promise<unknown>): Promise<string[]> {
  const read: string[] = [];
  const proto = IDBObjectStore.prototype;
  const { get, getAll, openCursor } = proto;
  vi.spyOn(proto, 'get').mockImplementation(function (this: IDBObjectStore, key) {
    read.push(`${this.name}:${String(key)}`);
    return get.call(this, key);
  });
  vi.spyOn(proto, 'getAll').mockImplementation(function (this: IDBObjectStore, ...args) {
    read.push(`${this.name}:*`);
    return getAll.apply(this, args);
  });
  vi.spyOn(proto, 'openCursor').mockImplementation(function (this: IDBObjectStore, ...args) {
    read.push(`${this.name}:cursor`);
    return openCursor.apply(this, args);
  });
  await work();
  return read;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('run records', () => {
  it('are listed without reading any run state, new or from before the run-data store', async () => {
    const big = { data: new Float32Array(1 << 16) };
    await saveRun(
      testRun({ id: 'classifier-a', kind: 'classifier', preset: 'seed', createdAt: '2026-01-01' }),
    );
    await saveRun(
      testRun({ id: 'classifier-b', kind: 'classifier', preset: 'seed', createdAt: '2026-02-01' }),
    );
    await saveRunState(optimizerKey('classifier-a'), big);
    // A database written before the run-data store: state beside the records.
    const legacy = createStore(STORES.runs.database, STORES.runs.objectStore);
    await set(optimizerKey('classifier-b'), big, legacy);

    let listed: RunRecord[] = [];
    const read = await valuesRead(async () => (listed = await listRuns('classifier')));
    expect(listed.map((r) => r.id)).toEqual(['classifier-b', 'classifier-a']);
    expect(read.sort()).toEqual(['runs:classifier-a', 'runs:classifier-b']);

    // The older state is still found, and deleting a run removes it from both places.
    expect(await loadRunState(optimizerKey('classifier-b'))).toEqual(big);
    expect(await loadRunState(optimizerKey('classifier-a'))).toEqual(big);
    await deleteRunRecords('classifier-b');
    expect(await loadRunState(optimizerKey('classifier-b'))).toBeUndefined();
    expect((await listRuns()).map((r) => r.id)).toEqual(['classifier-a']);
  });
});
