/**
 * parseIsicCsv on ISIC 2024 (SLICE-3D): Kaggle's train-metadata.csv (55 columns, `iddx_*`), and
 * the challenge bucket's GroundTruth (`isic_id,malignant`) and Supplement (`iddx_*`).
 */
import { describe, expect, it } from 'vitest';
import { parseIsicCsv } from './parseIsicCsv.ts';
import { csv, label } from './testRows.ts';

const TRAIN_METADATA_COLUMNS = [
  'isic_id', 'target', 'patient_id', 'age_approx', 'sex', 'anatom_site_general',
  'clin_size_long_diam_mm', 'image_type', 'tbp_tile_type', 'tbp_lv_A', 'tbp_lv_Aext', 'tbp_lv_B',
  'tbp_lv_Bext', 'tbp_lv_C', 'tbp_lv_Cext', 'tbp_lv_H', 'tbp_lv_Hext', 'tbp_lv_L', 'tbp_lv_Lext',
  'tbp_lv_areaMM2', 'tbp_lv_area_perim_ratio', 'tbp_lv_color_std_mean', 'tbp_lv_deltaA',
  'tbp_lv_deltaB', 'tbp_lv_deltaL', 'tbp_lv_deltaLB', 'tbp_lv_deltaLBnorm', 'tbp_lv_eccentricity',
  'tbp_lv_location', 'tbp_lv_location_simple', 'tbp_lv_minorAxisMM', 'tbp_lv_nevi_confidence',
  'tbp_lv_norm_border', 'tbp_lv_norm_color', 'tbp_lv_perimeterMM', 'tbp_lv_radial_color_std_max',
  'tbp_lv_stdL', 'tbp_lv_stdLExt', 'tbp_lv_symm_2axis', 'tbp_lv_symm_2axis_angle', 'tbp_lv_x',
  'tbp_lv_y', 'tbp_lv_z', 'attribution', 'copyright_license', 'lesion_id', 'iddx_full', 'iddx_1',
  'iddx_2', 'iddx_3', 'iddx_4', 'iddx_5', 'mel_mitotic_index', 'mel_thick_mm',
  'tbp_lv_dnn_lesion_confidence',
]; // prettier-ignore

/** A train-metadata.csv row: the named cells, every other column a plausible filler. */
function trainRow(cells: Record<string, string>): string {
  return TRAIN_METADATA_COLUMNS.map((column) => {
    const value = cells[column] ?? (column.startsWith('tbp_lv_') ? '12.5' : '');
    return /[",]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  }).join(',');
}

const levels = (...names: string[]) => ({
  iddx_full: names.join('::'),
  ...Object.fromEntries(names.map((name, i) => [`iddx_${i + 1}`, name])),
});

describe('parseIsicCsv: ISIC 2024 train-metadata.csv', () => {
  const F = 'isic-2024-challenge/train-metadata.csv';
  const common = {
    patient_id: 'IP_0000001',
    age_approx: '60.0',
    sex: 'male',
    anatom_site_general: 'posterior torso',
    image_type: 'TBP tile: close-up',
    tbp_tile_type: '3D: white',
    attribution: 'Memorial Sloan Kettering Cancer Center',
    copyright_license: 'CC-BY',
  };

  it('has the 55 columns of the real file', () => {
    expect(TRAIN_METADATA_COLUMNS).toHaveLength(55);
  });

  it('takes the class from iddx_2 / iddx_3, never from target', () => {
    const result = parseIsicCsv(
      F,
      csv(
        TRAIN_METADATA_COLUMNS.join(','),
        trainRow({
          ...common,
          isic_id: 'ISIC_0000001',
          target: '1',
          ...levels(
            'Malignant',
            'Malignant melanocytic proliferations (Melanoma)',
            'Melanoma in situ',
          ),
          mel_thick_mm: '0.3',
        }),
        trainRow({ ...common, isic_id: 'ISIC_0000002', target: '0', ...levels('Benign') }),
        trainRow({
          ...common,
          isic_id: 'ISIC_0000003',
          target: '0',
          lesion_id: 'IL_0000003',
          ...levels(
            'Benign',
            'Benign melanocytic proliferations',
            'Nevus',
            'Nevus, NOS',
            'Junctional',
          ),
        }),
        trainRow({
          ...common,
          isic_id: 'ISIC_0000004',
          target: '1',
          ...levels(
            'Malignant',
            'Malignant adnexal epithelial proliferations - Follicular',
            'Basal cell carcinoma',
          ),
        }),
        trainRow({
          ...common,
          isic_id: 'ISIC_0000005',
          target: '0',
          ...levels('Benign', 'Benign epidermal proliferations', 'Seborrheic keratosis'),
        }),
        trainRow({ ...common, isic_id: 'ISIC_0000006', target: '0', ...levels('Indeterminate') }),
      ),
    );
    expect(result.format).toBe('isic2024-metadata');
    expect(result.problems).toEqual([]);
    expect(result.labels).toStrictEqual([
      label('ISIC_0000001', 'melanoma', 'Melanoma in situ', 'IP_0000001'),
      label('ISIC_0000002', null, 'Benign', 'IP_0000001'),
      label('ISIC_0000003', 'nevus', 'Junctional', 'IP_0000001'),
      // target 1, yet a basal cell carcinoma is none of the three classes.
      label('ISIC_0000004', null, 'Basal cell carcinoma', 'IP_0000001'),
      label('ISIC_0000005', 'seborrheic_keratosis', 'Seborrheic keratosis', 'IP_0000001'),
      label('ISIC_0000006', null, 'Indeterminate', 'IP_0000001'),
    ]);
    expect(result.metadata[0]).toStrictEqual({
      id: 'ISIC_0000001',
      key: 'isic_0000001',
      age: 60,
      sex: 'male',
      site: 'posterior torso',
      group: 'IP_0000001',
      groupBy: 'patient',
      licence: 'CC-BY',
      attribution: 'Memorial Sloan Kettering Cancer Center',
    });
  });

  it('names an iddx value the taxonomy does not have', () => {
    const result = parseIsicCsv(
      F,
      csv(
        TRAIN_METADATA_COLUMNS.join(','),
        trainRow({
          ...common,
          isic_id: 'ISIC_0000001',
          target: '0',
          ...levels('Benign', 'Benign fantasy proliferations'),
        }),
      ),
    );
    expect(result.labels).toEqual([]);
    expect(result.problems).toEqual([
      {
        file: F,
        key: 'isic_0000001',
        reason:
          'row ISIC_0000001: iddx_2 is "Benign fantasy proliferations", which the ISIC diagnosis ' +
          'taxonomy does not have under "Benign"; the row is ignored',
      },
    ]);
  });
});

describe('parseIsicCsv: ISIC 2024 challenge GroundTruth and Supplement', () => {
  it('reads the Supplement’s iddx levels as labels', () => {
    const F = 'ISIC_2024_Training_Supplement.csv';
    const result = parseIsicCsv(
      F,
      csv(
        'isic_id,iddx_full,iddx_1,iddx_2,iddx_3,iddx_4,iddx_5,mel_mitotic_index,mel_thick_mm',
        'ISIC_0000001,Malignant::Malignant melanocytic proliferations (Melanoma)::Melanoma Invasive,Malignant,Malignant melanocytic proliferations (Melanoma),Melanoma Invasive,,,<1/mm^2,0.5',
        'ISIC_0000002,Benign,Benign,,,,,,',
      ),
    );
    expect(result.format).toBe('isic2024-metadata');
    expect(result.problems).toEqual([]);
    expect(result.labels).toStrictEqual([
      label('ISIC_0000001', 'melanoma', 'Melanoma Invasive'),
      label('ISIC_0000002', null, 'Benign'),
    ]);
  });

  it('recognises the GroundTruth, takes no class from `malignant`, and checks the flag', () => {
    const F = 'ISIC_2024_Training_GroundTruth.csv';
    const result = parseIsicCsv(
      F,
      csv('isic_id,malignant', 'ISIC_0000001,1.0', 'ISIC_0000002,0.0', 'ISIC_0000003,yes'),
    );
    expect(result.format).toBe('isic2024-groundtruth');
    expect(result.labels).toEqual([]);
    expect(result.metadata).toEqual([]);
    expect(result.problems).toEqual([
      {
        file: F,
        key: 'isic_0000003',
        reason: 'row ISIC_0000003: malignant is "yes", expected 0 or 1; the row is ignored',
      },
    ]);
  });

  it('refuses an ISIC 2024 file without an isic_id column', () => {
    const result = parseIsicCsv('x.csv', csv('image,iddx_1', 'ISIC_0000001,Benign'));
    expect(result.format).toBeNull();
    expect(result.problems[0]?.reason).toMatch(/no isic_id column/);
  });
});
