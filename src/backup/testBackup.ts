/** What the backup tests share: a seeded browser, snapshots of it, backups made and edited. */
import {
  BlobReader,
  BlobWriter,
  TextReader,
  Uint8ArrayReader,
  Uint8ArrayWriter,
  ZipReader,
  ZipWriter,
  type FileEntry,
} from '@zip.js/zip.js';
import { clear, set } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import { blobSink } from './blobSink.ts';
import { exportBackup, type ExportOptions } from './exportBackup.ts';
import { HEADER_NAME, type BackupHeader } from './format.ts';
import { checkBackup, restoreBackup, type RestoreOptions } from './importBackup.ts';
import { SECTIONS, TFJS_DATABASE, clearSection, readPage } from './sections.ts';

export const tfjsModels = SECTIONS.find((s) => s.id === 'tfjs-models');
export const tfjsInfo = SECTIONS.find((s) => s.id === 'tfjs-model-info');

/** A recognisable pixel pattern, to find an image's bytes inside the zip. */
export const PATTERN = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255);

/** Writes a model record the way tfjs's indexeddb:// handler does (keyed by `modelPath`). */
export async function putModel(path: string, weights: number[]) {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(TFJS_DATABASE, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('models_store', { keyPath: 'modelPath' });
      request.result.createObjectStore('model_info_store', { keyPath: 'modelPath' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const info = {
    dateSaved: new Date('2026-11-20T08:00:00Z'),
    modelTopologyType: 'JSON',
    modelTopologyBytes: 20,
    weightSpecsBytes: 40,
    weightDataBytes: weights.length * 4,
  };
  const tx = db.transaction(['models_store', 'model_info_store'], 'readwrite');
  tx.objectStore('model_info_store').put({ modelPath: path, modelArtifactsInfo: info });
  tx.objectStore('models_store').put({
    modelPath: path,
    modelArtifacts: {
      modelTopology: { class_name: 'Sequential', config: { layers: [] } },
      weightSpecs: [{ name: 'dense/kernel', shape: [weights.length], dtype: 'float32' }],
      weightData: new Float32Array(weights).buffer,
      format: 'layers-model',
      userDefinedMetadata: { run: path },
    },
    modelArtifactsInfo: info,
  });
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

/** The data of "the first browser": a little of everything the app stores. */
export async function seed() {
  await set(
    'current',
    { datasetId: 'd1', revision: 3, storedSize: 8, images: { a: { id: 'ISIC_1' } }, labels: {} },
    store('datasets'),
  );
  await set('masking', { source: 'truth', jaccard: 0.8 }, store('datasets'));
  const pixels = new Uint8Array(8 * 8 * 3);
  pixels.set(PATTERN, 10);
  await set('a', { key: 'a', size: 8, pixels, source: 'x.zip/ISIC_1.jpg' }, store('images'));
  await set('b', { key: 'b', size: 8, pixels: new Uint8Array(192).fill(7) }, store('images'));
  await set('a', { key: 'a', size: 8, pixels: new Uint8Array(64).fill(255) }, store('masks'));
  await set(
    'image/a',
    new Blob([new Uint8Array([0xff, 0xd8, 1, 0xff, 0xd9])], { type: 'image/jpeg' }),
    store('thumbs'),
  );
  await set('mask/a', new Uint8Array([0, 255, 0]), store('thumbs'));
  await set('a', { key: 'a', size: 8, pixels, mask: new Uint8Array(64) }, store('masked'));
  await set(
    'r1',
    {
      id: 'r1',
      kind: 'segnet',
      history: [{ epoch: 0, val: { dice: 0.7 } }],
      createdAt: '2026-11-20',
    },
    store('runs'),
  );
  await set(
    'r2',
    { id: 'r2', kind: 'classifier', history: [], bestValue: NaN, createdAt: '2026-11-21' },
    store('runs'),
  );
  await set(
    'r1/optimizer',
    { weights: [new Float32Array([0.5, -0]), new Float32Array([1e-8])], step: 12 },
    store('runData'),
  );
  await set(
    'r2/eval/val',
    { keys: ['a'], labels: new Uint8Array([1]), probabilities: new Float32Array([0.1, 0.8, 0.1]) },
    store('runData'),
  );
  await set('r2/a', new Float32Array([1, 2]), store('features'));
  await set('webgpu/segnet', { imagesPerSecond: 5 }, store('backendTimings'));
  await putModel('lesion-lab/v1/segnet/r1/best', [1, 2, 3]);
  await putModel('lesion-lab/v1/classifier/r2/best', [4, 5]);
  await putModel('another-app/model', [9]);
}

/** What a browser holds, as comparable values (Blobs read out with their type). */
export async function snapshot() {
  const plain = async (value: unknown): Promise<unknown> => {
    if (value instanceof Blob)
      return { blob: value.type, bytes: [...new Uint8Array(await value.arrayBuffer())] };
    return value;
  };
  const out: Record<string, unknown[]> = {};
  const all = [
    ...SECTIONS,
    ...(['features', 'backendTimings'] as const).map((name) => ({
      ...SECTIONS[0],
      id: name,
      keyPrefix: null,
      handle: () => store(name),
    })),
    // tfjs's stores as a whole, other apps' models included.
    ...[tfjsModels, tfjsInfo].map((s) => ({ ...s, id: `${s?.id}-all`, keyPrefix: null })),
  ];
  for (const section of all) {
    const { keys, values } = await readPage(
      section as (typeof SECTIONS)[number],
      undefined,
      10_000,
    );
    out[section.id] = await Promise.all(keys.map(async (key, i) => [key, await plain(values[i])]));
  }
  return out;
}

export async function wipe() {
  for (const section of SECTIONS) await clearSection(section);
  await clear(store('features'));
  await clear(store('backendTimings'));
  const db = await new Promise<IDBDatabase>((resolve) => {
    const request = indexedDB.open(TFJS_DATABASE, 1);
    request.onsuccess = () => resolve(request.result);
  });
  const tx = db.transaction(['models_store', 'model_info_store'], 'readwrite');
  tx.objectStore('models_store').clear();
  tx.objectStore('model_info_store').clear();
  await new Promise((resolve) => (tx.oncomplete = resolve));
  db.close();
}

export async function backup(
  options: Partial<ExportOptions> = {},
): Promise<{ file: Blob; header: BackupHeader }> {
  const sink = blobSink('application/zip');
  const header = await exportBackup(sink.stream, {
    appVersion: '0.1.0',
    now: () => new Date('2026-11-27T12:00:00Z'),
    ...options,
  });
  return { file: sink.result(), header };
}

export async function importFile(file: Blob, options: RestoreOptions = {}) {
  return restoreBackup(await checkBackup(file), options);
}

/** A copy of a zip with some entries changed (`null` drops one) or added. */
export async function rewrite(
  file: Blob,
  change: (name: string, bytes: Uint8Array) => Uint8Array | null,
  extra: Record<string, string> = {},
): Promise<Blob> {
  const reader = new ZipReader(new BlobReader(file));
  const writer = new ZipWriter(new BlobWriter('application/zip'));
  for (const entry of (await reader.getEntries()) as FileEntry[]) {
    const bytes = change(entry.filename, await entry.getData(new Uint8ArrayWriter()));
    if (bytes) await writer.add(entry.filename, new Uint8ArrayReader(bytes), { level: 0 });
  }
  for (const [name, text] of Object.entries(extra)) await writer.add(name, new TextReader(text));
  await reader.close();
  return writer.close();
}

export function editHeader(file: Blob, edit: (header: BackupHeader) => void): Promise<Blob> {
  return rewrite(file, (name, bytes) => {
    if (name !== HEADER_NAME) return bytes;
    const header = JSON.parse(new TextDecoder().decode(bytes)) as BackupHeader;
    edit(header);
    return new TextEncoder().encode(JSON.stringify(header));
  });
}

/** "Another browser": different data, which an import replaces. */
export async function otherBrowser() {
  await set('current', { datasetId: 'other', revision: 1, images: {} }, store('datasets'));
  await set('z', { key: 'z', pixels: new Uint8Array([1]) }, store('images'));
  await set('r9', { id: 'r9', kind: 'segnet', history: [] }, store('runs'));
  await set('r9/x', new Float32Array([3]), store('features'));
  await set('wasm/segnet', { imagesPerSecond: 9 }, store('backendTimings'));
  await putModel('lesion-lab/v1/segnet/r9/best', [7]);
  await putModel('another-app/model', [9]);
}
