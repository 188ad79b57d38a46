import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BlobWriter, TextReader, ZipWriter } from '@zip.js/zip.js';
import { checkBackup, restoreBackup } from './importBackup.ts';
import { interruptedImport } from './marker.ts';
import { SECTIONS } from './sections.ts';

import {
  PATTERN,
  putModel,
  seed,
  snapshot,
  wipe,
  backup,
  importFile,
  rewrite,
  editHeader,
  otherBrowser,
} from './testBackup.ts';

beforeEach(wipe);
afterEach(() => vi.restoreAllMocks());

describe('backup refusals: nothing changes', () => {
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
});
