import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { generateIsic2017, type SyntheticIsicOptions } from './isic2017.ts';

const OPTIONS: SyntheticIsicOptions = {
  seed: 7,
  width: 48,
  height: 36,
  jpegQuality: 85,
  counts: {
    train: { nevus: 3, melanoma: 2, seborrheic_keratosis: 1 },
    val: { nevus: 1, melanoma: 1, seborrheic_keratosis: 1 },
    test: { nevus: 2, melanoma: 0, seborrheic_keratosis: 1 },
  },
};

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('synthetic ISIC 2017 generator', () => {
  const files = generateIsic2017(OPTIONS);
  const byPath = new Map(files.map((f) => [f.path, f.bytes]));

  it('writes the ISIC 2017 folder and file names for every split', () => {
    const paths = files.map((f) => f.path);
    const names = ['Training', 'Validation', 'Test_v2'];
    for (const name of names) {
      expect(paths).toContain(`ISIC-2017_${name}_Part3_GroundTruth.csv`);
      expect(paths).toContain(`ISIC-2017_${name}_Data/ISIC-2017_${name}_Data_metadata.csv`);
    }
    const images = paths.filter((p) => p.endsWith('.jpg'));
    const masks = paths.filter((p) => p.endsWith('.png'));
    expect(images).toHaveLength(12);
    expect(masks).toHaveLength(12);
    for (const path of images) {
      expect(path).toMatch(/^ISIC-2017_(Training|Validation|Test_v2)_Data\/ISIC_\d{7}\.jpg$/);
      const mask = path
        .replace('_Data/', '_Part1_GroundTruth/')
        .replace('.jpg', '_segmentation.png');
      expect(byPath.has(mask), mask).toBe(true);
    }
    expect(new Set(images.map((p) => p.split('/')[1])).size).toBe(12);
  });

  it('writes the label CSVs with the ISIC header, 0.0/1.0 values and the requested counts', () => {
    const csv = text(byPath.get('ISIC-2017_Training_Part3_GroundTruth.csv') as Uint8Array);
    const [header, ...rows] = csv.trim().split('\n');
    expect(header).toBe('image_id,melanoma,seborrheic_keratosis');
    const values = rows.map((r) => r.split(','));
    for (const [id, mel, sk] of values) {
      expect(id).toMatch(/^ISIC_\d{7}$/);
      expect(['0.0', '1.0']).toContain(mel);
      expect(['0.0', '1.0']).toContain(sk);
      expect(mel === '1.0' && sk === '1.0').toBe(false);
      expect(byPath.has(`ISIC-2017_Training_Data/${id}.jpg`)).toBe(true);
    }
    const count = (m: string, s: string) => values.filter((v) => v[1] === m && v[2] === s).length;
    expect([count('0.0', '0.0'), count('1.0', '0.0'), count('0.0', '1.0')]).toEqual([3, 2, 1]);

    const meta = text(
      byPath.get('ISIC-2017_Test_v2_Data/ISIC-2017_Test_v2_Data_metadata.csv') as Uint8Array,
    );
    const [metaHeader, ...metaRows] = meta.trim().split('\n');
    expect(metaHeader).toBe('image_id,age_approximate,sex');
    expect(metaRows).toHaveLength(3);
    for (const row of metaRows)
      expect(row).toMatch(/^ISIC_\d{7},(\d+|unknown),(male|female|unknown)$/);
  });

  it('writes masks as 8-bit single-channel PNGs of the image size with only 0 and 255', () => {
    for (const file of files.filter((f) => f.path.endsWith('.png'))) {
      const png = PNG.sync.read(Buffer.from(file.bytes));
      expect(png.width).toBe(OPTIONS.width);
      expect(png.height).toBe(OPTIONS.height);
      // pngjs reports the file's own colour type and depth: 0 = greyscale, 8 bits.
      expect((png as unknown as { colorType: number }).colorType).toBe(0);
      expect((png as unknown as { depth: number }).depth).toBe(8);
      const values = new Set<number>();
      for (let i = 0; i < png.data.length; i += 4) values.add(png.data[i] as number);
      expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);

      const image = jpeg.decode(Buffer.from(byPath.get(imagePathOf(file.path)) as Uint8Array));
      expect([image.width, image.height]).toEqual([png.width, png.height]);
    }
  });

  it('gives identical bytes for the same seed and different images for another seed', () => {
    const again = generateIsic2017(OPTIONS);
    expect(again.map((f) => f.path)).toEqual(files.map((f) => f.path));
    again.forEach((file, i) =>
      expect(Buffer.compare(file.bytes, files[i]?.bytes ?? new Uint8Array())).toBe(0),
    );

    const other = generateIsic2017({ ...OPTIONS, seed: 8 });
    const first = files.find((f) => f.path.endsWith('.jpg'));
    const sameName = other.find((f) => f.path === first?.path);
    expect(first && sameName).toBeTruthy();
    expect(
      Buffer.compare(first?.bytes ?? new Uint8Array(), sameName?.bytes ?? new Uint8Array()),
    ).not.toBe(0);
  });
});

function imagePathOf(maskPath: string): string {
  return maskPath.replace('_Part1_GroundTruth/', '_Data/').replace('_segmentation.png', '.jpg');
}
