import 'fake-indexeddb/auto';
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
import { clear, get, set } from 'idb-keyval';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { store } from '../storage/stores.ts';
import { blobSink } from './blobSink.ts';
import { exportBackup, type ExportOptions } from './exportBackup.ts';
import { HEADER_NAME, type BackupHeader } from './format.ts';
import { checkBackup, restoreBackup, type RestoreOptions } from './importBackup.ts';
import { IMPORT_MARKER_KEY, interruptedImport } from './marker.ts';
import { SECTIONS, TFJS_DATABASE, clearSection, putRecords, readPage } from './sections.ts';

const tfjsModels = SECTIONS.find((s) => s.id === 'tfjs-models');
const tfjsInfo = SECTIONS.find((s) => s.id === 'tfjs-model-info');

/** A recognisable pixel pattern, to find an image's bytes inside the zip. */
const PATTERN = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 255);

/** Writes a model record the way tfjs's indexeddb:// handler does (keyed by `modelPath`). */
async function putModel(path: string, weights: number[]) {
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
async function seed() {
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
async function snapshot() {
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

async function wipe() {
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

async function backup(
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

async function importFile(file: Blob, options: RestoreOptions = {}) {
  return restoreBackup(await checkBackup(file), options);
}

/** A copy of a zip with some entries changed (`null` drops one) or added. */
async function rewrite(
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

function editHeader(file: Blob, edit: (header: BackupHeader) => void): Promise<Blob> {
  return rewrite(file, (name, bytes) => {
    if (name !== HEADER_NAME) return bytes;
    const header = JSON.parse(new TextDecoder().decode(bytes)) as BackupHeader;
    edit(header);
    return new TextEncoder().encode(JSON.stringify(header));
  });
}

/** "Another browser": different data, which an import replaces. */
async function otherBrowser() {
  await set('current', { datasetId: 'other', revision: 1, images: {} }, store('datasets'));
  await set('z', { key: 'z', pixels: new Uint8Array([1]) }, store('images'));
  await set('r9', { id: 'r9', kind: 'segnet', history: [] }, store('runs'));
  await set('r9/x', new Float32Array([3]), store('features'));
  await set('wasm/segnet', { imagesPerSecond: 9 }, store('backendTimings'));
  await putModel('lesion-lab/v1/segnet/r9/best', [7]);
  await putModel('another-app/model', [9]);
}

beforeEach(wipe);
afterEach(() => vi.restoreAllMocks());

describe('backup', () => {
  it('exports everything and imports it into another browser exactly', async () => {
    await seed();
    const original = await snapshot();
    const { file, header } = await backup();

    expect(header.format).toBe('lesion-lab-backup');
    expect(header.formatVersion).toBe(1);
    expect(header.contents).toEqual({ images: 2, masks: 1, runs: 2, models: 2 });
    expect(header.sections.images?.records).toBe(2);
    expect(header.sections['tfjs-models']?.records).toBe(2);
    expect(header.sections.runData?.records).toBe(2);
    expect(header.sections).not.toHaveProperty('features');
    expect(header.sections).not.toHaveProperty('backendTimings');
    expect(header.totals.records).toBe(2 + 2 + 2 + 1 + 2 + 1 + 2 + 2 + 2);

    await wipe();
    await otherBrowser();
    const checked = await checkBackup(file);
    expect(checked.header).toEqual(header);
    const result = await restoreBackup(checked);
    expect(result.records).toBe(header.totals.records);

    const after = await snapshot();
    for (const section of SECTIONS)
      expect(after[section.id], section.id).toEqual(original[section.id]);
    // Types survive: the model's weights are an ArrayBuffer, its save date a Date.
    const [, model] = after['tfjs-models']?.[0] as [
      string,
      { modelArtifacts: { weightData: unknown }; modelArtifactsInfo: { dateSaved: unknown } },
    ];
    expect(model.modelArtifacts.weightData).toBeInstanceOf(ArrayBuffer);
    expect(model.modelArtifactsInfo.dateSaved).toBeInstanceOf(Date);
    expect(await get('image/a', store('thumbs'))).toBeInstanceOf(Blob);
    // Features are recomputed (cleared); timings belong to the device (kept); other apps' models too.
    expect(after.features).toEqual([]);
    expect(after.backendTimings).toEqual([['wasm/segnet', { imagesPerSecond: 9 }]]);
    expect((after['tfjs-models-all'] ?? []).map((r) => (r as [string])[0])).toEqual([
      'another-app/model',
      'lesion-lab/v1/classifier/r2/best',
      'lesion-lab/v1/segnet/r1/best',
    ]);
    expect(await interruptedImport()).toBeUndefined();
  });

  it('splits large sections into many chunks and still round-trips', async () => {
    await seed();
    for (let i = 0; i < 40; i++) {
      await set(
        `img-${String(i).padStart(2, '0')}`,
        { pixels: new Uint8Array(300).fill(i) },
        store('images'),
      );
    }
    const original = await snapshot();
    const progress: number[] = [];
    const { file, header } = await backup({
      chunkBytes: 1000,
      onProgress: (p) => progress.push(p.done),
    });
    expect(header.sections.images?.records).toBe(42);
    expect(header.sections.images?.chunks).toBeGreaterThan(10);
    expect(progress.at(-1)).toBe(header.totals.records);
    await wipe();
    await importFile(file);
    const after = await snapshot();
    for (const section of SECTIONS)
      expect(after[section.id], section.id).toEqual(original[section.id]);
  });

  it('leaves an import mark out of a backup', async () => {
    await seed();
    await set(IMPORT_MARKER_KEY, { startedAt: 'x', backupCreatedAt: 'y' }, store('datasets'));
    const { header } = await backup();
    expect(header.sections.datasets?.records).toBe(2);
  });

  it('refuses a backup with a flipped byte in a chunk, naming the entry, and changes nothing', async () => {
    await seed();
    const { file } = await backup();
    const bytes = new Uint8Array(await file.arrayBuffer());
    // Image pixels are stored as they are (level 0): find the pattern and flip one bit of it.
    const at = bytes.findIndex((_, i) => PATTERN.every((b, j) => bytes[i + j] === b));
    expect(at).toBeGreaterThan(0);
    bytes[at + 5] = (bytes[at + 5] as number) ^ 1;

    await wipe();
    await otherBrowser();
    const before = await snapshot();
    await expect(importFile(new Blob([bytes]))).rejects.toThrow(
      'The backup is damaged: stores/images/000000.bin does not match its checksum (CRC-32).',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a foreign zip, a file that is no zip, and a newer format; nothing changes', async () => {
    await seed();
    const { file } = await backup();
    const before = await snapshot();

    const foreign = new ZipWriter(new BlobWriter('application/zip'));
    await foreign.add('ISIC_0000000.jpg', new TextReader('not really'));
    await expect(importFile(await foreign.close())).rejects.toMatchObject({
      name: 'BackupRefused',
      message: expect.stringMatching(
        /^This file is not a Lesion Lab backup: it has no lesion-lab-backup\.json/,
      ),
    });
    await expect(importFile(new Blob(['just text, no zip']))).rejects.toThrow(
      /not a Lesion Lab backup: it is not a zip archive/,
    );
    const otherFormat = await editHeader(file, (h) => {
      (h as { format: string }).format = 'something-else';
    });
    await expect(importFile(otherFormat)).rejects.toThrow(
      /not a Lesion Lab backup: its lesion-lab-backup\.json names another format/,
    );
    const newer = await editHeader(file, (h) => {
      h.formatVersion = 2;
      h.appVersion = '9.0.0';
    });
    await expect(importFile(newer)).rejects.toThrow(
      /made by a newer Lesion Lab \(app 9\.0\.0, backup format 2\); this app \(.+\) reads backup format 1/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a backup whose contents disagree with its header; nothing changes', async () => {
    await seed();
    const { file } = await backup();
    const before = await snapshot();
    const wrongCount = await editHeader(file, (h) => {
      (h.sections.runs as { records: number }).records += 1;
    });
    await expect(importFile(wrongCount)).rejects.toThrow(
      /The backup is damaged: runs holds 2 records \(\d+ bytes\) where its header says 3/,
    );
    const missing = await rewrite(file, (name, bytes) =>
      name === 'stores/masks/000000.bin' ? null : bytes,
    );
    await expect(importFile(missing)).rejects.toThrow(
      'The backup is incomplete: stores/masks/000000.bin is missing.',
    );
    const unlisted = await rewrite(file, (_, bytes) => bytes, { 'stores/images/000009.bin': 'x' });
    await expect(importFile(unlisted)).rejects.toThrow(
      /holds a file its header does not list: stores\/images\/000009\.bin/,
    );
    const unknownStore = await editHeader(file, (h) => {
      h.sections.secrets = { database: 'x', objectStore: 'y', records: 0, bytes: 0, chunks: 0 };
    });
    await expect(importFile(unknownStore)).rejects.toThrow(
      /a store this version of the app does not know \("secrets"\)/,
    );
    const notChunk = await rewrite(file, (name, bytes) =>
      name === 'stores/runs/000000.bin' ? bytes.map((b, i) => (i < 4 ? 0x20 : b)) : bytes,
    );
    await expect(importFile(notChunk)).rejects.toThrow(
      /stores\/runs\/000000\.bin could not be decoded \(not a record chunk/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a model key that is not the app’s', async () => {
    await seed();
    const { file } = await backup();
    await wipe();
    // A backup of another app's model: built by writing it where the app's models are read.
    await putModel('lesion-lab/v1/segnet/r1/best', [1]);
    const { file: one } = await backup();
    // The same number of bytes in place of the path (key and modelPath): the chunk stays valid.
    const from = new TextEncoder().encode('lesion-lab/v1/segnet/r1/best');
    const to = new TextEncoder().encode('another-app/segnet/r1/best00');
    expect(to.length).toBe(from.length);
    const swapped = await rewrite(one, (name, bytes) => {
      if (name !== 'stores/tfjs-models/000000.bin') return bytes;
      const out = bytes.slice();
      for (let i = 0; i + from.length <= out.length; i++) {
        if (from.every((b, j) => out[i + j] === b)) out.set(to, i);
      }
      return out;
    });
    await expect(importFile(swapped)).rejects.toThrow(
      /does not belong in tfjs-models \("another-app/,
    );
    expect(file.size).toBeGreaterThan(0);
  });

  it('refuses when the browser has no room for the backup, before changing anything', async () => {
    await seed();
    const { file, header } = await backup();
    const before = await snapshot();
    await expect(
      importFile(file, {
        estimate: async () => ({ usage: 1000, quota: 1000 + header.totals.bytes - 1 }),
      }),
    ).rejects.toThrow(
      /needs .* of storage and this browser lets the site store .* more\. Free disk space/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('removes a partial import when a write fails, and says so', async () => {
    await seed();
    const { file, header } = await backup();
    await wipe();
    await otherBrowser();
    const checked = await checkBackup(file);
    const put = IDBObjectStore.prototype.put;
    let puts = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (this.name === 'images' && ++puts > 1)
        throw new DOMException('full', 'QuotaExceededError');
      return put.apply(this, args);
    });
    await expect(restoreBackup(checked)).rejects.toMatchObject({
      name: 'BackupWriteFailed',
      message: expect.stringMatching(
        new RegExp(
          `^The import stopped after \\d+ of ${header.totals.records} records: the browser's storage for this site is full\\. ` +
            'The part already written was removed: this browser now holds no Lesion Lab dataset or runs\\.',
        ),
      ),
    });
    vi.restoreAllMocks();
    const after = await snapshot();
    for (const section of SECTIONS) expect(after[section.id], section.id).toEqual([]);
    expect(await interruptedImport()).toBeUndefined();
    // Another app's model was never the import's to touch.
    expect((after['tfjs-models-all'] ?? []).map((r) => (r as [string])[0])).toEqual([
      'another-app/model',
    ]);
  });

  it('writes records of a store with inline keys by their key path', async () => {
    const section = tfjsInfo as (typeof SECTIONS)[number];
    await putRecords(section, [
      { key: 'lesion-lab/v1/x', value: { modelPath: 'lesion-lab/v1/x', n: 1 } },
    ]);
    expect((await readPage(section, undefined, 10)).keys).toEqual(['lesion-lab/v1/x']);
  });
});
