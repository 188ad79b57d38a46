import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import jpeg from 'jpeg-js';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { Hdf5BytesReader } from './hdf5.ts';
import { ALL_QUIRKS, NO_QUIRKS, planIsic2024, type SyntheticIsic2024Options } from './isic2024.ts';
import { isic2024MetadataCsv } from './isic2024Csv.ts';
import {
  CORRUPT_JPEG,
  generateIsic2024Challenge,
  isic2024Hdf5,
  isic2024Images,
  writeIsic2024,
} from './isic2024Files.ts';

const OPTIONS: SyntheticIsic2024Options = {
  seed: 3,
  size: 24,
  jpegQuality: 80,
  counts: { nevus: 3, melanoma: 2, seborrheic_keratosis: 2 },
  noClass: 5,
  quirks: ALL_QUIRKS,
};

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'isic2024-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
afterEach(() => vi.useRealTimers());

const isJpeg = (bytes: Uint8Array | null | undefined) => bytes?.[0] === 0xff && bytes[1] === 0xd8;

describe('synthetic ISIC 2024 images', () => {
  const plan = planIsic2024(OPTIONS);
  const images = new Map(isic2024Images(OPTIONS, plan));

  it('renders square JPEG crops of the size asked for, one per stored id', () => {
    expect([...images.keys()]).toEqual(plan.images);
    for (const [id, bytes] of images) {
      if (id === plan.corruptImage) {
        expect(bytes).toEqual(CORRUPT_JPEG);
        expect(isJpeg(bytes)).toBe(false);
        continue;
      }
      expect(isJpeg(bytes), id).toBe(true);
      const { width, height } = jpeg.decode(bytes);
      expect([width, height]).toEqual([24, 24]);
    }
  });

  it('writes train-image.hdf5 that h5wasm reads back by id, the JPEG bytes exactly', async () => {
    const bytes = await isic2024Hdf5(OPTIONS);
    // The HDF5 signature.
    expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
    const path = join(tempDir(), 'train-image.hdf5');
    writeFileSync(path, bytes);
    const reader = await Hdf5BytesReader.open(path);
    try {
      expect(reader.keys()).toEqual(plan.images);
      const someId = plan.images[2] as string;
      expect(reader.get(someId)).toEqual(images.get(someId));
      for (const id of plan.images) {
        const stored = reader.get(id);
        expect(stored, id).toEqual(images.get(id));
        expect(isJpeg(stored), id).toBe(id !== plan.corruptImage);
      }
      expect(reader.get(plan.missingImage as string)).toBeNull();
      // A scalar, null-padded ASCII string of the JPEG's length, as h5py writes np.bytes_.
      const h5wasm = (await import('h5wasm/node')).default;
      const file = new h5wasm.File(path, 'r');
      const dataset = file.get(someId);
      if (!(dataset instanceof h5wasm.Dataset)) throw new Error(`no dataset ${someId}`);
      expect(dataset.metadata).toMatchObject({
        type: 3,
        size: images.get(someId)?.length,
        strpad: 1,
        cset: 0,
        vlen: false,
        shape: [],
      });
      file.close();
      expect(reader.get('ISIC_0000000')).toBeNull();
    } finally {
      reader.close();
    }
  });

  it('writes the same HDF5 bytes at any time of day', async () => {
    const options = { ...OPTIONS, quirks: NO_QUIRKS };
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2031-03-04T05:06:07Z'));
    const first = await isic2024Hdf5(options);
    vi.setSystemTime(new Date('2019-12-11T10:09:08Z'));
    const second = await isic2024Hdf5(options);
    expect(Buffer.compare(first, second)).toBe(0);
    expect(Date.now()).toBe(new Date('2019-12-11T10:09:08Z').getTime());
  });

  it('writes train-metadata.csv with the HDF5 and the folder of the same bytes', async () => {
    const dir = tempDir();
    const { images: count, files } = await writeIsic2024(dir, OPTIONS);
    expect(count).toBe(plan.images.length);
    expect(readFileSync(join(dir, 'train-metadata.csv'), 'utf8')).toBe(
      isic2024MetadataCsv(plan, OPTIONS.seed),
    );
    const folder = join(dir, 'train-image', 'image');
    expect(readdirSync(folder).sort()).toEqual(plan.images.map((id) => `${id}.jpg`));
    expect(files['train-image.hdf5']).toBe(readFileSync(join(dir, 'train-image.hdf5')).length);
    expect(new Uint8Array(readFileSync(join(dir, 'train-image.hdf5')))).toEqual(
      await isic2024Hdf5(OPTIONS),
    );
    const reader = await Hdf5BytesReader.open(join(dir, 'train-image.hdf5'));
    try {
      for (const id of plan.images) {
        expect(new Uint8Array(readFileSync(join(folder, `${id}.jpg`)))).toEqual(reader.get(id));
      }
    } finally {
      reader.close();
    }
  });

  it('writes only the HDF5 or only the folder when asked', async () => {
    const hdf5Only = tempDir();
    await writeIsic2024(hdf5Only, OPTIONS, { hdf5: true, folder: false });
    expect(readdirSync(hdf5Only).sort()).toEqual(['train-image.hdf5', 'train-metadata.csv']);
    const folderOnly = tempDir();
    await writeIsic2024(folderOnly, OPTIONS, { hdf5: false, folder: true });
    expect(readdirSync(folderOnly).sort()).toEqual(['train-image', 'train-metadata.csv']);
    expect(existsSync(join(folderOnly, 'train-image', 'image', `${plan.images[0]}.jpg`))).toBe(
      true,
    );
  });
});

describe('synthetic ISIC 2024 challenge bucket', () => {
  it('zips the images and the diagnosis-free metadata.csv, beside the two CSVs', async () => {
    const plan = planIsic2024(OPTIONS);
    const files = await generateIsic2024Challenge(OPTIONS);
    expect(files.map((f) => f.path)).toEqual([
      'ISIC_2024_Training_Input.zip',
      'ISIC_2024_Training_GroundTruth.csv',
      'ISIC_2024_Training_Supplement.csv',
    ]);
    const zip = files[0]?.bytes as Uint8Array;
    expect((await generateIsic2024Challenge(OPTIONS))[0]?.bytes).toEqual(zip);
    const reader = new ZipReader(new Uint8ArrayReader(zip));
    const entries = await reader.getEntries();
    expect(entries.map((e) => e.filename)).toEqual([
      ...plan.images.map((id) => `ISIC_2024_Training_Input/${id}.jpg`),
      'ISIC_2024_Training_Input/metadata.csv',
    ]);
    const csv = entries.at(-1);
    if (!csv || csv.directory) throw new Error('no metadata.csv');
    const text = new TextDecoder().decode(await csv.getData(new Uint8ArrayWriter()));
    expect(text.startsWith('isic_id,attribution,copyright_license,age_approx,')).toBe(true);
    expect(text).not.toContain('iddx');
    await reader.close();
  });
});
