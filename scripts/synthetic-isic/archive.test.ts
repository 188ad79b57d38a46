import { Uint8ArrayReader, Uint8ArrayWriter, ZipReader } from '@zip.js/zip.js';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { parseIsicCsv } from '../../src/dataset/csv/parseIsicCsv.ts';
import { classifyPath } from '../../src/dataset/layout.ts';
import {
  generateArchive,
  leftOutName,
  planArchive,
  type SyntheticArchiveOptions,
} from './archive.ts';
import { zipFiles } from './write.ts';

const OPTIONS: SyntheticArchiveOptions = {
  seed: 5,
  width: 40,
  height: 30,
  jpegQuality: 85,
  counts: { nevus: 4, melanoma: 3, seborrheic_keratosis: 2 },
  others: 3,
  style: 'current',
};

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

describe('synthetic ISIC Archive gallery', () => {
  const files = generateArchive(OPTIONS);
  const byPath = new Map(files.map((f) => [f.path, f.bytes]));

  it('puts the images at the root by ISIC id, with metadata.csv, attribution.txt and licences', () => {
    const paths = files.map((f) => f.path);
    const images = paths.filter((p) => /^ISIC_\d{7}\.(jpg|png)$/.test(p));
    expect(images).toHaveLength(12);
    expect(images.some((p) => p.endsWith('.png'))).toBe(true);
    expect(paths.slice(12)).toEqual([
      'metadata.csv',
      'attribution.txt',
      'licenses/CC-0.txt',
      'licenses/CC-BY.txt',
      'licenses/CC-BY-NC.txt',
    ]);
    for (const path of paths.slice(13))
      expect(classifyPath(path), path).toEqual({ kind: 'ignored' });
    for (const path of images) {
      const bytes = byPath.get(path) as Uint8Array;
      const { width, height } = path.endsWith('.png')
        ? PNG.sync.read(Buffer.from(bytes))
        : jpeg.decode(bytes);
      expect([width, height]).toEqual([40, 30]);
    }
  });

  it('writes the header, TABs and booleans as the Archive does, with CRLF lines', () => {
    const csv = text(byPath.get('metadata.csv'));
    const lines = csv.split('\r\n');
    expect(lines.at(-1)).toBe('');
    expect(lines[0]).toBe(
      'isic_id,attribution,copyright_license,age_approx,anatom_site_general,concomitant_biopsy,' +
        'diagnosis_1,diagnosis_2,diagnosis_3,diagnosis_confirm_type,image_type,lesion_id,' +
        'patient_id,sex',
    );
    expect(csv).toContain(',\t@Synthetic Dermoscopy Clinic,');
    expect(csv).toContain('"ViDIR Group, Department of Dermatology, Medical University of Vienna"');
    expect(csv).toMatch(/,True,/);
    expect(csv).toMatch(/,False,/);
    expect(csv).not.toContain('diagnosis_4');
  });

  it('reads back through the app to the planned classes and left-out diagnoses', () => {
    const plan = planArchive(OPTIONS);
    const parsed = parseIsicCsv('metadata.csv', text(byPath.get('metadata.csv')));
    expect(parsed.problems).toEqual([]);
    expect(parsed.labels.map((l) => [l.id, l.label])).toEqual(
      plan.map((image) => [image.id, image.diagnosis.label]),
    );
    const leftOut = parsed.labels.filter((l) => l.label === null).map((l) => l.diagnosis);
    expect(leftOut).toEqual(
      plan.filter((i) => i.diagnosis.label === null).map((i) => leftOutName(i, 'current')),
    );
    expect(new Set(parsed.metadata.map((m) => m.attribution))).toContain(
      '@Synthetic Dermoscopy Clinic',
    );
  });

  it('writes the older diagnosis and benign_malignant columns for downloads before 2025', () => {
    const old = { ...OPTIONS, style: 'before-2025' as const };
    const csv = text(generateArchive(old).find((f) => f.path === 'metadata.csv')?.bytes);
    expect(csv.split('\r\n')[0]).toBe(
      'isic_id,attribution,copyright_license,age_approx,anatom_site_general,benign_malignant,' +
        'concomitant_biopsy,diagnosis,image_type,lesion_id,melanocytic,patient_id,sex',
    );
    const parsed = parseIsicCsv('metadata.csv', csv);
    expect(parsed.problems).toEqual([]);
    const plan = planArchive(old);
    expect(parsed.labels.map((l) => [l.label, l.diagnosis])).toEqual(
      plan.map((i) => [i.diagnosis.label, i.diagnosis.old]),
    );
    expect(
      plan.filter((i) => i.diagnosis.label === null).map((i) => leftOutName(i, 'before-2025')),
    ).not.toContain('');
  });

  it('zips the files at the root, the same bytes every time', async () => {
    const zip = await zipFiles(files);
    expect(await zipFiles(generateArchive(OPTIONS))).toEqual(zip);
    const reader = new ZipReader(new Uint8ArrayReader(zip));
    const entries = await reader.getEntries();
    expect(entries.map((e) => e.filename)).toEqual(files.map((f) => f.path));
    const first = entries[0];
    if (!first || first.directory) throw new Error('no first entry');
    expect(await first.getData(new Uint8ArrayWriter())).toEqual(files[0]?.bytes);
    await reader.close();
  });
});
