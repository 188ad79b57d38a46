/**
 * What a backup holds, store by store ("sections"), and the IndexedDB reads and writes on them.
 *
 * Every store of src/storage/stores.ts marked `backedUp`, and the models tfjs keeps for the app in
 * its own database (`tensorflowjs`, two object stores keyed by model path; only the paths under
 * `lesion-lab/v1/` are the app's). The order is the order an import writes them: the run records
 * and then the dataset manifest last, so that an import cut short never shows a dataset or a run
 * whose pixels or checkpoints are missing.
 */
import { promisifyRequest, type UseStore } from 'idb-keyval';
import { STORE_PREFIX, STORES, store, type StoreName } from '../storage/stores.ts';
import { IMPORT_MARKER_KEY } from './marker.ts';

export interface Section {
  /** The section's name in a backup (`stores/<id>/…`). */
  id: string;
  database: string;
  objectStore: string;
  /** The key path of a store that keeps the key inside the value (tfjs's), or null. */
  keyPath: string | null;
  /** Only keys that start with this are the app's (backed up, and replaced on import). */
  keyPrefix: string | null;
  /** Keys that are never backed up. */
  skipKey: (key: IDBValidKey) => boolean;
  /** Deflate its chunks (zip level 6) or store them as they are (pixels, weights: level 0). */
  compress: boolean;
  handle: () => UseStore;
}

/** tfjs's database for the `indexeddb://` handler (tfjs-core/src/io/indexed_db.ts). */
export const TFJS_DATABASE = 'tensorflowjs';
const TFJS_STORES = ['models_store', 'model_info_store'] as const;

let tfjsDatabase: Promise<IDBDatabase> | null = null;

/**
 * An idb-keyval-like handle on one of tfjs's object stores. Opening the database creates it as
 * tfjs does (version 1, both stores keyed by `modelPath`) where it does not exist yet, so tfjs
 * finds it as its own afterwards.
 */
function tfjsStore(objectStore: (typeof TFJS_STORES)[number]): UseStore {
  return (mode, callback) => {
    tfjsDatabase ??= (() => {
      const request = indexedDB.open(TFJS_DATABASE, 1);
      request.onupgradeneeded = () => {
        for (const name of TFJS_STORES) {
          if (!request.result.objectStoreNames.contains(name)) {
            request.result.createObjectStore(name, { keyPath: 'modelPath' });
          }
        }
      };
      return promisifyRequest(request).then((db) => {
        // Let a later version (or a deletion) of the database through.
        db.onversionchange = () => {
          db.close();
          tfjsDatabase = null;
        };
        return db;
      });
    })();
    return tfjsDatabase.then((db) =>
      callback(db.transaction(objectStore, mode).objectStore(objectStore)),
    );
  };
}

/** The stores written last on import: run records, then the manifest that shows the dataset. */
const LAST: StoreName[] = ['runs', 'datasets'];

function appSections(): Section[] {
  const names = (Object.keys(STORES) as StoreName[]).filter((name) => STORES[name].backedUp);
  const ordered = [
    ...names.filter((name) => !LAST.includes(name)),
    ...LAST.filter((name) => names.includes(name)),
  ];
  return ordered.map((name) => ({
    id: name,
    database: STORES[name].database,
    objectStore: STORES[name].objectStore,
    keyPath: null,
    keyPrefix: null,
    skipKey: name === 'datasets' ? (key) => key === IMPORT_MARKER_KEY : () => false,
    // Masks (0 or 255) and the records of JSON-like data deflate well; photos, JPEG thumbnails,
    // masked photos and float state do not, and deflating 2 GB of them costs minutes.
    compress: name === 'masks' || name === 'datasets' || name === 'runs',
    handle: () => store(name),
  }));
}

function tfjsSections(): Section[] {
  return [
    { id: 'tfjs-model-info', objectStore: 'model_info_store' as const },
    { id: 'tfjs-models', objectStore: 'models_store' as const },
  ].map(({ id, objectStore }) => ({
    id,
    database: TFJS_DATABASE,
    objectStore,
    keyPath: 'modelPath',
    keyPrefix: `${STORE_PREFIX}/`,
    skipKey: () => false,
    compress: false,
    handle: () => tfjsStore(objectStore),
  }));
}

/** Every section, in the order an import writes them. */
export const SECTIONS: readonly Section[] = [...tfjsSections(), ...appSections()];

export function sectionById(id: string): Section | undefined {
  return SECTIONS.find((section) => section.id === id);
}

/** The keys a section covers, after `after` (exclusive) when given. */
function keyRange(section: Section, after: IDBValidKey | undefined): IDBKeyRange | null {
  if (section.keyPrefix === null) {
    return after === undefined ? null : IDBKeyRange.lowerBound(after, true);
  }
  // Every string that starts with the prefix sorts before prefix + U+FFFF.
  const upper = `${section.keyPrefix}\uffff`;
  return after === undefined
    ? IDBKeyRange.bound(section.keyPrefix, upper)
    : IDBKeyRange.bound(after, upper, true);
}

export function belongs(section: Section, key: IDBValidKey): boolean {
  return (
    section.keyPrefix === null || (typeof key === 'string' && key.startsWith(section.keyPrefix))
  );
}

export function countRecords(section: Section): Promise<number> {
  return section.handle()('readonly', (s) =>
    promisifyRequest(s.count(keyRange(section, undefined) ?? undefined)),
  );
}

/** Up to `count` records after `after`, keys and values read in one transaction. */
export function readPage(
  section: Section,
  after: IDBValidKey | undefined,
  count: number,
): Promise<{ keys: IDBValidKey[]; values: unknown[] }> {
  const range = keyRange(section, after);
  return section.handle()('readonly', async (s) => {
    const [keys, values] = await Promise.all([
      promisifyRequest(s.getAllKeys(range, count)),
      promisifyRequest(s.getAll(range, count)),
    ]);
    return { keys, values };
  });
}

/** Deletes every record of the section (only the app's keys in tfjs's stores). */
export function clearSection(section: Section): Promise<void> {
  const range = keyRange(section, undefined);
  return section.handle()('readwrite', (s) => {
    if (range) s.delete(range);
    else s.clear();
    return promisifyRequest(s.transaction);
  });
}

/** Writes records in one transaction: all of them or, if it fails, none. */
export function putRecords(
  section: Section,
  records: { key: IDBValidKey; value: unknown }[],
): Promise<void> {
  return section.handle()('readwrite', (s) => {
    for (const { key, value } of records) {
      if (section.keyPath === null) s.put(value, key);
      else s.put(value);
    }
    return promisifyRequest(s.transaction);
  });
}
