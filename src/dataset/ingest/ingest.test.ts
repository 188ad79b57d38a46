import 'fake-indexeddb/auto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deleteDataset, loadManifest, saveManifest } from '../storage.ts';
import { runIngest } from './ingest.ts';
import type { DroppedItem } from './sources.ts';
import { hdf5, standInWorkerFs } from '../../lib/testHdf5.ts';

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

describe('an ISIC 2024 train-image.hdf5', () => {
  beforeAll(standInWorkerFs);
  beforeEach(() => deleteDataset());

  const metadata = [
    'isic_id,patient_id,iddx_full,iddx_1,iddx_2,iddx_3',
    'ISIC_0000001,IP_1,Benign::Benign melanocytic proliferations::Nevus,Benign,Benign melanocytic proliferations,Nevus',
    'ISIC_0000002,IP_1,Benign,Benign,,',
    'ISIC_0000003,IP_2,Benign,Benign,,',
    'ISIC_0000004,IP_2,Malignant::Malignant melanocytic proliferations (Melanoma),Malignant,Malignant melanocytic proliferations (Melanoma),',
  ].join('\n');
  const csv = { path: 'isic-2024-challenge/train-metadata.csv', file: new Blob([metadata]) };
  const path = 'isic-2024-challenge/train-image.hdf5';

  it('looks up each row’s image; a corrupt JPEG is named; left out images are not decoded', async () => {
    const file = await hdf5({
      ISIC_0000001: new Uint8Array([0xff, 0xd8, 0xff, 0x00, 1, 2, 3]),
      ISIC_0000002: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
      ISIC_0000009: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    });
    const result = await ingest([csv, { path, file }]);
    expect(result).toMatchObject({ images: 0, leftOut: 1, labelRows: 4 });
    const manifest = await loadManifest();
    expect(manifest?.refused).toEqual({ isic_0000001: `${path}/ISIC_0000001` });
    expect(manifest?.leftOut).toEqual({ isic_0000002: `${path}/ISIC_0000002` });
    expect(manifest?.problems.map((p) => p.file)).toEqual([`${path}/ISIC_0000001`]);
    // ISIC_0000004 (melanoma) is not in the file: the Dataset stage names the row without image.
    expect(manifest?.pending).toEqual({});
  });

  it('says an HDF5 file needs its metadata CSV, and names a file that is not HDF5', async () => {
    const file = await hdf5({ ISIC_0000002: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) });
    await ingest([
      { path, file },
      { path: 'other.h5', file: new Blob(['not hdf5 at all']) },
    ]);
    const manifest = await loadManifest();
    expect(manifest?.problems).toEqual([
      {
        file: path,
        reason:
          'no metadata CSV names its images: an HDF5 file of ISIC 2024 images is read by the ' +
          'isic_id of each row of train-metadata.csv (or of the challenge Supplement); drop the ' +
          'CSV with it, or before it',
      },
      {
        file: 'other.h5',
        reason:
          'no metadata CSV names its images: an HDF5 file of ISIC 2024 images is read by the isic_id of each row of train-metadata.csv (or of the challenge Supplement); drop the CSV with it, or before it',
      },
    ]);
    // With the CSV stored by the first drop, the HDF5 alone is enough.
    await ingest([csv]);
    await ingest([
      { path, file },
      { path: 'other.h5', file: new Blob(['not hdf5 at all']) },
    ]);
    const after = await loadManifest();
    expect(after?.leftOut).toEqual({ isic_0000002: `${path}/ISIC_0000002` });
    expect(after?.problems).toEqual([
      { file: 'other.h5', reason: 'not an HDF5 file: it does not start with the HDF5 signature' },
    ]);
  });
});
