/**
 * The HDF5 image reader on files written here with h5wasm, read through WORKERFS as in the
 * browser (testHdf5.ts stands in what Node lacks), counting the bytes read to show the file is
 * read in slices, not whole.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DecodeError } from './imageHeader.ts';
import { BytesBlob, counter, hdf5, standInWorkerFs } from '../../lib/testHdf5.ts';

beforeAll(standInWorkerFs);

const jpegLike = (n: number, seed: number) => {
  const bytes = new Uint8Array(n).map((_, i) => (i * 31 + seed) & 255);
  bytes.set([0xff, 0xd8], 0);
  bytes[10] = 0; // a NUL inside, as any JPEG has
  bytes.set([0xff, 0xd9], n - 2);
  return bytes;
};

describe('openHdf5Images', () => {
  it('looks images up by id and returns their exact bytes, reading the file in slices', async () => {
    const { openHdf5Images } = await import('./hdf5.ts');
    const images: Record<string, Uint8Array> = {};
    for (let i = 0; i < 300; i++)
      images[`ISIC_${String(i).padStart(7, '0')}`] = jpegLike(20_000 + i, i);
    const blob = await hdf5(images);
    counter.bytesRead = 0;
    const file = await openHdf5Images('isic-2024/train-image.hdf5', blob);
    expect(file.has('ISIC_0000007')).toBe(true);
    expect(file.has('ISIC_9999999')).toBe(false);
    expect(file.has('ISIC_0000007/x')).toBe(false);
    expect(file.read('ISIC_0000123')).toEqual(images.ISIC_0000123);
    expect(file.read('ISIC_0000000')).toEqual(images.ISIC_0000000);
    // Two images and the metadata to find them: a small part of the 6 MB file.
    expect(counter.bytesRead).toBeLessThan(blob.size / 4);
    // Lookups in the file's order read through the block cache: few reads, each of a block.
    counter.reads = 0;
    for (const id of Object.keys(images)) expect(file.has(id)).toBe(true);
    expect(counter.reads).toBeGreaterThan(0);
    expect(counter.reads).toBeLessThan(60);
    expect(() => file.read('ISIC_9999999')).toThrow(DecodeError);
    file.close();
  });

  it('trims NUL padding after the image', async () => {
    const { openHdf5Images } = await import('./hdf5.ts');
    const padded = new Uint8Array([...jpegLike(100, 1), 0, 0, 0]);
    const file = await openHdf5Images('a.hdf5', await hdf5({ ISIC_0000001: padded }));
    expect(file.read('ISIC_0000001')).toEqual(padded.subarray(0, 100));
    file.close();
  });

  it('names a dataset that is not a byte string', async () => {
    const { openHdf5Images } = await import('./hdf5.ts');
    const blob = await hdf5({}, (file) => {
      (file as { create_dataset: (o: object) => void }).create_dataset({
        name: 'ISIC_0000001',
        data: new Float32Array([1, 2, 3]),
      });
    });
    const file = await openHdf5Images('a.hdf5', blob);
    expect(() => file.read('ISIC_0000001')).toThrow(
      'the HDF5 dataset ISIC_0000001 is a <f of shape [3], not the bytes of an image',
    );
    file.close();
  });

  it('refuses a file that is not HDF5, and can open others after', async () => {
    const { openHdf5Images, Hdf5OpenError } = await import('./hdf5.ts');
    const junk = new BytesBlob(new Uint8Array(4096).fill(7)) as unknown as Blob;
    await expect(openHdf5Images('junk.hdf5', junk)).rejects.toThrow(
      'not an HDF5 file: it does not start with the HDF5 signature',
    );
    const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
    const damaged = new Uint8Array(4096).fill(7);
    damaged.set(signature);
    await expect(
      openHdf5Images('damaged.hdf5', new BytesBlob(damaged) as unknown as Blob),
    ).rejects.toThrow(Hdf5OpenError);
    const file = await openHdf5Images('b.hdf5', await hdf5({ ISIC_0000002: jpegLike(50, 2) }));
    expect(file.has('ISIC_0000002')).toBe(true);
    file.close();
  });
});
