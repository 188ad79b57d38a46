import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { CLASSES } from '../../src/dataset/types.ts';
import {
  ALL_QUIRKS,
  NO_CLASS_DIAGNOSES,
  deepestLevel,
  expectedIsic2024,
  isic2024CountsFor,
  planIsic2024,
  type SyntheticIsic2024Options,
} from './isic2024.ts';
import {
  isic2024ChallengeMetadataCsv,
  isic2024GroundTruthCsv,
  isic2024MetadataCsv,
  isic2024SupplementCsv,
  ISIC2024_COLUMNS,
  ISIC2024_SUPPLEMENT_COLUMNS,
} from './isic2024Csv.ts';

const OPTIONS: SyntheticIsic2024Options = {
  seed: 11,
  size: 32,
  jpegQuality: 85,
  counts: { nevus: 7, melanoma: 5, seborrheic_keratosis: 3 },
  noClass: NO_CLASS_DIAGNOSES.length + 3,
  quirks: ALL_QUIRKS,
};

function rows(csv: string): Record<string, string>[] {
  const parsed = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe('synthetic ISIC 2024 plan and train-metadata.csv', () => {
  const plan = planIsic2024(OPTIONS);
  const csv = isic2024MetadataCsv(plan, OPTIONS.seed);
  const records = rows(csv);

  it('has the 55 columns of the real file, in its order', () => {
    expect(ISIC2024_COLUMNS).toHaveLength(55);
    expect(new Set(ISIC2024_COLUMNS).size).toBe(55);
    const header = csv.split('\n')[0];
    expect(header).toBe(ISIC2024_COLUMNS.join(','));
    expect(header?.startsWith('isic_id,target,patient_id,age_approx,sex,')).toBe(true);
    expect(header?.endsWith(',mel_mitotic_index,mel_thick_mm,tbp_lv_dnn_lesion_confidence')).toBe(
      true,
    );
    expect(csv).not.toContain('\r');
    for (const record of records) expect(Object.keys(record)).toHaveLength(55);
  });

  it('plans the counts asked for, with each quirk as an extra', () => {
    const expected = expectedIsic2024(OPTIONS);
    for (const c of CLASSES) expect(expected.classes[c]).toHaveLength(OPTIONS.counts[c]);
    const leftOut = [...expected.leftOut.values()].flat();
    // The no-class rows plus the unknown-taxonomy row, each under its deepest level.
    expect(leftOut).toHaveLength(OPTIONS.noClass + 1);
    expect(expected.leftOut.get('Benign')?.length).toBeGreaterThan(OPTIONS.noClass / 3);
    expect(expected.leftOut.get('Basal cell carcinoma')).toHaveLength(2);
    expect(expected.leftOut.get('Benign fantasy proliferations')).toEqual(expected.unknownTaxonomy);
    // Rows: classes, no class, unknown taxonomy, the corrupt one and the one without an image.
    expect(plan.rows).toHaveLength(15 + OPTIONS.noClass + 3);
    expect(plan.images).toHaveLength(plan.rows.length - 1 + 1);
    expect(expected.corrupt).toEqual([plan.corruptImage]);
    expect(expected.missing).toEqual([plan.missingImage]);
    expect(expected.orphans).toEqual([plan.orphanImage]);
    expect(plan.images).not.toContain(plan.missingImage);
    expect(plan.images).toContain(plan.orphanImage);
    expect(plan.rows.map((r) => r.id)).not.toContain(plan.orphanImage);
    expect(records.map((r) => r.isic_id)).toEqual([...plan.rows.map((r) => r.id)].sort());
    const unknown = records.find((r) => r.isic_id === plan.unknownTaxonomy);
    expect(unknown?.iddx_2).toBe('Benign fantasy proliferations');
    // Ids are unique across rows and the orphan.
    expect(new Set([...plan.rows.map((r) => r.id), ...plan.images]).size).toBe(
      plan.images.length + 1,
    );
  });

  it('sets target 1 for every malignancy, melanoma or carcinoma, and 0 otherwise', () => {
    const expected = expectedIsic2024(OPTIONS);
    for (const record of records) {
      const malignant = record.iddx_1 === 'Malignant';
      expect(record.target, record.isic_id).toBe(malignant ? '1' : '0');
      expect(expected.target.get(record.isic_id as string)).toBe(malignant ? 1 : 0);
    }
    const melanoma = new Set(expected.classes.melanoma);
    const carcinomas = records.filter((r) =>
      ['Basal cell carcinoma', 'Squamous cell carcinoma, NOS'].includes(r.iddx_3 as string),
    );
    expect(carcinomas.length).toBeGreaterThan(0);
    for (const r of carcinomas) {
      expect(r.target).toBe('1');
      expect(melanoma.has(r.isic_id as string)).toBe(false);
    }
    for (const r of records.filter((r) => melanoma.has(r.isic_id as string))) {
      expect(r.iddx_2).toBe('Malignant melanocytic proliferations (Melanoma)');
      expect(r.target).toBe('1');
    }
    for (const id of expected.classes.nevus) {
      const r = records.find((r) => r.isic_id === id);
      expect([r?.iddx_1, r?.iddx_2, r?.iddx_3]).toEqual([
        'Benign',
        'Benign melanocytic proliferations',
        'Nevus',
      ]);
    }
    for (const id of expected.classes.seborrheic_keratosis) {
      const r = records.find((r) => r.isic_id === id);
      expect([r?.iddx_2, r?.iddx_3]).toEqual([
        'Benign epidermal proliferations',
        'Seborrheic keratosis',
      ]);
    }
  });

  it('writes the ids, types, diagnosis levels and melanoma-only fields as the real file does', () => {
    const plannedRows = new Map(plan.rows.map((row) => [row.id, row]));
    for (const r of records) {
      const row = plannedRows.get(r.isic_id as string);
      if (!row) throw new Error(`${r.isic_id} is not planned`);
      expect(r.isic_id).toMatch(/^ISIC_\d{7}$/);
      expect(r.patient_id).toMatch(/^IP_\d{7}$/);
      expect(r.lesion_id).toMatch(/^(IL_\d{7})?$/);
      expect(r.image_type).toBe('TBP tile: close-up');
      expect(['3D: white', '3D: XP']).toContain(r.tbp_tile_type);
      expect(r.age_approx).toMatch(/^(\d+\.0)?$/);
      const levels = [r.iddx_1, r.iddx_2, r.iddx_3, r.iddx_4, r.iddx_5].filter((l) => l !== '');
      expect(r.iddx_full).toBe(levels.join('::'));
      expect(levels.at(-1)).toBe(deepestLevel(row.diagnosis));
      if (r.mel_thick_mm !== '' || r.mel_mitotic_index !== '') {
        expect(r.iddx_2).toBe('Malignant melanocytic proliferations (Melanoma)');
      }
      for (const column of ISIC2024_COLUMNS.filter((c) => c.startsWith('tbp_lv_'))) {
        if (column === 'tbp_lv_location' || column === 'tbp_lv_location_simple') continue;
        expect(Number.isFinite(Number(r[column])), `${column} ${r[column]}`).toBe(true);
        expect(r[column]).not.toBe('');
      }
    }
    const thick = records.filter((r) => r.mel_thick_mm !== '');
    expect(thick.length).toBeGreaterThan(0);
    expect(thick.length).toBeLessThan(OPTIONS.counts.melanoma + 1);
    // Several images per patient; some rows (the plain "Benign" ones mostly) without a lesion id.
    const patients = new Set(records.map((r) => r.patient_id));
    expect(patients.size).toBeLessThan(records.length / 2);
    expect(records.some((r) => r.lesion_id === '')).toBe(true);
    expect(records.some((r) => r.lesion_id !== '')).toBe(true);
    expect(records.some((r) => /,/.test(r.attribution as string))).toBe(true);
  });

  it('gives the same plan and CSV for the same options, another for another seed', () => {
    expect(isic2024MetadataCsv(planIsic2024(OPTIONS), OPTIONS.seed)).toBe(csv);
    const other = { ...OPTIONS, seed: 12 };
    expect(isic2024MetadataCsv(planIsic2024(other), other.seed)).not.toBe(csv);
  });

  it('scales counts to a total', () => {
    const { counts, noClass } = isic2024CountsFor(20_000);
    expect(counts).toEqual({ nevus: 6000, melanoma: 2000, seborrheic_keratosis: 2000 });
    expect(noClass).toBe(10_000);
  });
});

describe('synthetic ISIC 2024 challenge bucket CSVs', () => {
  const plan = planIsic2024(OPTIONS);

  it('leaves the diagnoses out of the Archive-style metadata.csv', () => {
    const csv = isic2024ChallengeMetadataCsv(plan, OPTIONS.seed);
    const header = csv.split('\r\n')[0]?.split(',') ?? [];
    expect(header.slice(0, 3)).toEqual(['isic_id', 'attribution', 'copyright_license']);
    expect(header.slice(3)).toEqual([...header.slice(3)].sort());
    expect(header.slice(3, 8)).toEqual([
      'age_approx',
      'anatom_site_general',
      'clin_size_long_diam_mm',
      'image_type',
      'lesion_id',
    ]);
    for (const column of ['target', 'iddx_full', 'iddx_1', 'mel_thick_mm', 'mel_mitotic_index']) {
      expect(header).not.toContain(column);
    }
    expect(header).toHaveLength(55 - 9);
    const records = rows(csv);
    expect(records.map((r) => r.isic_id)).toEqual(plan.rows.map((r) => r.id));
    expect(records.every((r) => /^(\d+)?$/.test(r.age_approx as string))).toBe(true);
  });

  it('writes the ground truth and the supplement', () => {
    const truth = isic2024GroundTruthCsv(plan);
    expect(truth.split('\n')[0]).toBe('isic_id,malignant');
    const expected = expectedIsic2024(OPTIONS);
    for (const r of rows(truth)) {
      expect(r.malignant).toBe(expected.target.get(r.isic_id as string) === 1 ? '1.0' : '0.0');
    }
    const supplement = isic2024SupplementCsv(plan, OPTIONS.seed);
    expect(supplement.split('\n')[0]).toBe(ISIC2024_SUPPLEMENT_COLUMNS.join(','));
    const full = rows(isic2024MetadataCsv(plan, OPTIONS.seed));
    rows(supplement).forEach((r, i) => {
      for (const column of ISIC2024_SUPPLEMENT_COLUMNS) expect(r[column]).toBe(full[i]?.[column]);
    });
  });
});
