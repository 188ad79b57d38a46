import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsicCsv } from '../../src/dataset/csv/parseIsicCsv.ts';
import { classifyPath } from '../../src/dataset/layout.ts';
import { generateArchive, planArchive, type SyntheticArchiveOptions } from './archive.ts';
import {
  generateArchiveSnapshot,
  generateIsicCliFolder,
  isicCliPartialName,
  writeIsicCliFolder,
  zipArchiveSnapshot,
} from './archiveDownloads.ts';

const OPTIONS: SyntheticArchiveOptions = {
  seed: 9,
  width: 36,
  height: 28,
  jpegQuality: 85,
  counts: { nevus: 3, melanoma: 2, seborrheic_keratosis: 2 },
  others: 2,
  style: 'current',
};

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

describe('synthetic isic-cli download folder', () => {
  const files = generateIsicCliFolder(OPTIONS);
  const byPath = new Map(files.map((f) => [f.path, f.bytes]));
  const gallery = generateArchive(OPTIONS);

  it('holds the gallery images, one unfinished .isic-partial file, and pixel sizes in the CSV', () => {
    const partial = files.filter((f) => f.path.startsWith('.isic-partial.'));
    expect(partial.map((f) => f.path)).toEqual([isicCliPartialName(OPTIONS)]);
    expect(partial[0]?.path).toMatch(/^\.isic-partial\.\d+\.[a-z0-9_]{8}\.jpg$/);
    expect(classifyPath(partial[0]?.path as string)).toEqual({ kind: 'ignored' });
    // The same images, byte for byte, as the gallery zip.
    for (const file of gallery.filter((f) => /^ISIC_\d{7}\./.test(f.path))) {
      expect(byPath.get(file.path), file.path).toEqual(file.bytes);
    }
    const header = text(byPath.get('metadata.csv')).split('\r\n')[0]?.split(',') ?? [];
    expect(header.slice(0, 3)).toEqual(['isic_id', 'attribution', 'copyright_license']);
    expect(header.slice(3)).toEqual([...header.slice(3)].sort());
    expect(header).toContain('pixels_x');
    expect(header).toContain('pixels_y');
  });

  it('gives every row its image size and reads back to the planned classes', () => {
    const csv = text(byPath.get('metadata.csv'));
    const [head = '', ...rows] = csv.split('\r\n').filter((line) => line !== '');
    const columns = head.split(',');
    const x = columns.indexOf('pixels_x');
    const y = columns.indexOf('pixels_y');
    expect(rows).toHaveLength(planArchive(OPTIONS).length);
    for (const row of rows) {
      // No quoted commas before pixels_*: the attribution is the only quoted cell and comes first.
      const cells = row.replace(/"[^"]*"/g, 'quoted').split(',');
      expect([cells[x], cells[y]]).toEqual(['36', '28']);
    }
    const parsed = parseIsicCsv('metadata.csv', csv);
    expect(parsed.problems).toEqual([]);
    expect(parsed.labels.map((l) => [l.id, l.label])).toEqual(
      planArchive(OPTIONS).map((image) => [image.id, image.diagnosis.label]),
    );
  });

  it('writes the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'isic-cli-'));
    dirs.push(dir);
    writeIsicCliFolder(dir, OPTIONS);
    const names = readdirSync(dir);
    expect(names).toContain('metadata.csv');
    expect(names).toContain(isicCliPartialName(OPTIONS));
    expect(readdirSync(join(dir, 'licenses')).sort()).toEqual([
      'CC-0.txt',
      'CC-BY-NC.txt',
      'CC-BY.txt',
    ]);
    expect(new Uint8Array(readFileSync(join(dir, 'metadata.csv')))).toEqual(
      byPath.get('metadata.csv'),
    );
  });
});

describe('synthetic ISIC Archive snapshot (ISIC_images.zip)', () => {
  const files = generateArchiveSnapshot(OPTIONS);

  it('puts the images under images/, then metadata.csv, licences and attribution.txt', () => {
    const images = planArchive(OPTIONS).length;
    expect(
      files.slice(0, images).every((f) => /^images\/ISIC_\d{7}\.(jpg|png)$/.test(f.path)),
    ).toBe(true);
    expect(files.slice(images).map((f) => f.path)).toEqual([
      'metadata.csv',
      'licenses/CC-0.txt',
      'licenses/CC-BY.txt',
      'licenses/CC-BY-NC.txt',
      'attribution.txt',
    ]);
    expect(classifyPath(files[0]?.path as string)).toMatchObject({ kind: 'image' });
  });

  it('is ZIP64 when forced, and the same bytes every time', async () => {
    const zip64 = await zipArchiveSnapshot(OPTIONS, { zip64: true });
    expect(await zipArchiveSnapshot(OPTIONS, { zip64: true })).toEqual(zip64);
    const plain = await zipArchiveSnapshot(OPTIONS);
    // The ZIP64 end of central directory record (PK\x06\x06) is only in the forced one.
    const hasZip64End = (bytes: Uint8Array) =>
      Buffer.from(bytes).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]));
    expect(hasZip64End(zip64)).toBe(true);
    expect(hasZip64End(plain)).toBe(false);
    for (const [bytes, forced] of [
      [zip64, true],
      [plain, false],
    ] as const) {
      const reader = new ZipReader(new Uint8ArrayReader(bytes));
      const entries = await reader.getEntries();
      expect(entries.map((e) => e.filename)).toEqual(files.map((f) => f.path));
      expect(entries.every((e) => e.zip64 === forced)).toBe(true);
      const csv = entries.find((e) => e.filename === 'metadata.csv');
      if (!csv || csv.directory) throw new Error('no metadata.csv');
      expect(await csv.getData(new Uint8ArrayWriter())).toEqual(
        files.find((f) => f.path === 'metadata.csv')?.bytes,
      );
      await reader.close();
    }
  });
});
