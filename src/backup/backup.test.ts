import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get, set } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import { checkBackup, restoreBackup } from './importBackup.ts';
import { IMPORT_MARKER_KEY, interruptedImport } from './marker.ts';
import { SECTIONS, putRecords, readPage } from './sections.ts';

import { tfjsInfo, seed, snapshot, wipe, backup, importFile, otherBrowser } from './testBackup.ts';

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

  it('writes records of a store with inline keys by their key path', async () => {
    const section = tfjsInfo as (typeof SECTIONS)[number];
    await putRecords(section, [
      { key: 'lesion-lab/v1/x', value: { modelPath: 'lesion-lab/v1/x', n: 1 } },
    ]);
    expect((await readPage(section, undefined, 10)).keys).toEqual(['lesion-lab/v1/x']);
  });
});
