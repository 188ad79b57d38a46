import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { emptyManifest } from './manifest.ts';
import {
  deleteDataset,
  formatBytes,
  getImages,
  getThumbs,
  loadManifest,
  putBatch,
  recoverOrphans,
  saveManifest,
  type ImageRecord,
} from './storage.ts';

function image(n: number): ImageRecord {
  return {
    id: `ISIC_${n}`,
    key: `isic_${n}`,
    source: `ISIC-2017_Training_Data/ISIC_${n}.jpg`,
    width: 640,
    height: 480,
    folderSplit: 'train',
    size: 2,
    pixels: new Uint8Array(12).fill(n),
  };
}

beforeEach(async () => {
  await deleteDataset();
});

describe('storage', () => {
  it('keeps the manifest and the records across reads', async () => {
    expect(await loadManifest()).toBeUndefined();
    const manifest = emptyManifest(2);
    await saveManifest(manifest);
    expect(await loadManifest()).toEqual(manifest);

    await putBatch('images', [image(1), image(2)], [['image/isic_1', new Uint8Array([7])]]);
    const [one, missing] = await getImages(['isic_1', 'isic_3']);
    expect(one).toEqual(image(1));
    expect(missing).toBeUndefined();
    const [thumbs] = await getThumbs(['isic_1']);
    expect(thumbs?.image).toEqual(new Uint8Array([7]));
    expect(thumbs?.mask).toBeUndefined();
  });

  it('finds records stored after the last manifest save (a reload in between)', async () => {
    const manifest = emptyManifest(2);
    manifest.images.isic_1 = {
      id: 'ISIC_1',
      source: image(1).source,
      width: 640,
      height: 480,
      folderSplit: 'train',
    };
    await saveManifest(manifest);
    await putBatch('images', [image(1), image(2)], []);
    const orphans = await recoverOrphans(manifest);
    expect(orphans.images).toEqual({
      isic_2: {
        id: 'ISIC_2',
        source: image(2).source,
        width: 640,
        height: 480,
        folderSplit: 'train',
      },
    });
    expect(orphans.masks).toEqual({});
  });

  it('deletes everything', async () => {
    await saveManifest(emptyManifest(2));
    await putBatch('images', [image(1)], [['image/isic_1', new Uint8Array([1])]]);
    await deleteDataset();
    expect(await loadManifest()).toBeUndefined();
    expect(await getImages(['isic_1'])).toEqual([undefined]);
    expect((await getThumbs(['isic_1']))[0]?.image).toBeUndefined();
  });

  it('formats byte counts for people', () => {
    expect([
      formatBytes(512),
      formatBytes(1536),
      formatBytes(25_300_992),
      formatBytes(3 * 2 ** 30),
    ]).toEqual(['512 B', '1.5 KB', '24 MB', '3.0 GB']);
  });
});
