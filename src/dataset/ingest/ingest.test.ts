import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteDataset, loadManifest, saveManifest } from '../storage.ts';
import { runIngest } from './ingest.ts';
import type { DroppedItem } from './sources.ts';

const CSV = 'ISIC-2017_Training_Part3_GroundTruth.csv';
const labels = (rows: [string, number, number][]) =>
  [
    'image_id,melanoma,seborrheic_keratosis',
    ...rows.map(([id, mel, sk]) => `${id},${mel}.0,${sk}.0`),
  ].join('\n');

async function ingest(items: DroppedItem[], storedSize = 64) {
  return runIngest({ items, emptyFolders: [], storedSize }, () => {}, { stopped: false });
}

const revision = async () => (await loadManifest())?.revision;

describe('the dataset revision', () => {
  beforeEach(() => deleteDataset());

  it('changes only when stored images, masks, labels or splits change', async () => {
    const csv = { path: CSV, file: new Blob([labels([['ISIC_0000001', 1, 0]])]) };
    await ingest([csv]);
    expect(await revision()).toBe(1);

    // The same labels again, an image already stored, a broken image and an empty folder: the
    // manifest lists new problems, but nothing a model trains on changed.
    const manifest = await loadManifest();
    if (!manifest) throw new Error('no manifest');
    manifest.images['isic_0000001'] = {
      id: 'ISIC_0000001',
      source: 'ISIC-2017_Training_Data/ISIC_0000001.jpg',
      width: 64,
      height: 64,
      folderSplit: 'train',
    };
    await saveManifest(manifest);
    const result = await runIngest(
      {
        items: [
          csv,
          { path: 'ISIC-2017_Training_Data/ISIC_0000001.jpg', file: new Blob(['stored']) },
          { path: 'ISIC-2017_Training_Data/ISIC_0000002.jpg', file: new Blob(['not a jpeg']) },
        ],
        emptyFolders: ['empty'],
        storedSize: 64,
      },
      () => {},
      { stopped: false },
    );
    expect(result).toMatchObject({ images: 0, alreadyStored: 1, labelRows: 1 });
    const after = await loadManifest();
    expect(after?.refused).toHaveProperty('isic_0000002');
    expect(after?.problems.length).toBeGreaterThan(0);
    expect(after?.revision).toBe(1);

    // A label that changed does.
    await ingest([{ path: CSV, file: new Blob([labels([['ISIC_0000001', 0, 1]])]) }]);
    expect(await revision()).toBe(2);
    // A new label row does.
    await ingest([
      {
        path: CSV,
        file: new Blob([
          labels([
            ['ISIC_0000001', 0, 1],
            ['ISIC_0000003', 0, 0],
          ]),
        ]),
      },
    ]);
    expect(await revision()).toBe(3);
  });

  it('stays 0 after an ingest that stored nothing, which then leaves the stored size free', async () => {
    await ingest([{ path: 'ISIC-2017_Training_Data/ISIC_0000002.jpg', file: new Blob(['x']) }], 64);
    expect(await loadManifest()).toMatchObject({ revision: 0, storedSize: 64 });
    await ingest(
      [{ path: 'ISIC-2017_Training_Data/ISIC_0000004.jpg', file: new Blob(['x']) }],
      128,
    );
    expect(await loadManifest()).toMatchObject({ revision: 0, storedSize: 128 });
  });
});
