/**
 * The CSVs of the synthetic ISIC 2024 dataset planned by isic2024.ts: train-metadata.csv (its 55
 * columns, with plausible tbp_lv_* measurements drawn from each row's own seed) as Kaggle has it,
 * and the challenge bucket's Archive-style metadata.csv, GroundTruth and Supplement, written as
 * pandas writes them.
 */
import { Random, hashString } from '../../src/lib/random.ts';
import { cell, csvText } from './archive.ts';
import { LOCATIONS, type Isic2024Plan, type Isic2024Row } from './isic2024.ts';

/** The header of the real train-metadata.csv, in its order. */
export const ISIC2024_COLUMNS = [
  'isic_id',
  'target',
  'patient_id',
  'age_approx',
  'sex',
  'anatom_site_general',
  'clin_size_long_diam_mm',
  'image_type',
  'tbp_tile_type',
  'tbp_lv_A',
  'tbp_lv_Aext',
  'tbp_lv_B',
  'tbp_lv_Bext',
  'tbp_lv_C',
  'tbp_lv_Cext',
  'tbp_lv_H',
  'tbp_lv_Hext',
  'tbp_lv_L',
  'tbp_lv_Lext',
  'tbp_lv_areaMM2',
  'tbp_lv_area_perim_ratio',
  'tbp_lv_color_std_mean',
  'tbp_lv_deltaA',
  'tbp_lv_deltaB',
  'tbp_lv_deltaL',
  'tbp_lv_deltaLB',
  'tbp_lv_deltaLBnorm',
  'tbp_lv_eccentricity',
  'tbp_lv_location',
  'tbp_lv_location_simple',
  'tbp_lv_minorAxisMM',
  'tbp_lv_nevi_confidence',
  'tbp_lv_norm_border',
  'tbp_lv_norm_color',
  'tbp_lv_perimeterMM',
  'tbp_lv_radial_color_std_max',
  'tbp_lv_stdL',
  'tbp_lv_stdLExt',
  'tbp_lv_symm_2axis',
  'tbp_lv_symm_2axis_angle',
  'tbp_lv_x',
  'tbp_lv_y',
  'tbp_lv_z',
  'attribution',
  'copyright_license',
  'lesion_id',
  'iddx_full',
  'iddx_1',
  'iddx_2',
  'iddx_3',
  'iddx_4',
  'iddx_5',
  'mel_mitotic_index',
  'mel_thick_mm',
  'tbp_lv_dnn_lesion_confidence',
] as const;
export type Isic2024Column = (typeof ISIC2024_COLUMNS)[number];

/** The diagnosis columns: kept out of the challenge bucket's metadata.csv. */
export const ISIC2024_DIAGNOSIS_COLUMNS: readonly Isic2024Column[] = [
  'target',
  'iddx_full',
  'iddx_1',
  'iddx_2',
  'iddx_3',
  'iddx_4',
  'iddx_5',
  'mel_mitotic_index',
  'mel_thick_mm',
];

/** The header of ISIC_2024_Training_Supplement.csv. */
export const ISIC2024_SUPPLEMENT_COLUMNS = [
  'isic_id',
  'iddx_full',
  'iddx_1',
  'iddx_2',
  'iddx_3',
  'iddx_4',
  'iddx_5',
  'mel_mitotic_index',
  'mel_thick_mm',
] as const;

/** A float as pandas writes it, to `digits` decimals at most. */
function num(value: number, digits: number): string {
  const rounded = Number(value.toFixed(digits));
  return String(rounded === 0 ? 0 : rounded);
}

/**
 * Every column of one row, as train-metadata.csv spells it (age as `60.0`). The tbp_lv_* values
 * are drawn from the row's own seed, plausible for its diagnosis: larger, less symmetric, more
 * varied colour for malignancies; a high nevus confidence for nevi.
 */
export function isic2024Fields(row: Isic2024Row, seed: number): Record<Isic2024Column, string> {
  const r = new Random(hashString(`${seed}/${row.id}/tbp`));
  const { label, target, levels } = row.diagnosis;
  const malignant = target === 1;
  const [location, locationSimple, site] = LOCATIONS[row.location] as [string, string, string];
  const long = malignant
    ? r.uniform(3.5, 12)
    : label === 'seborrheic_keratosis'
      ? r.uniform(3, 8)
      : r.uniform(1, 6);
  const minor = long * r.uniform(0.55, 0.95);
  const irregular = malignant ? r.uniform(0.1, 0.5) : r.uniform(0, 0.15);
  const perimeter = ((Math.PI * (long + minor)) / 2) * (1 + irregular);
  const area = (Math.PI * long * minor) / 4;
  const A = r.uniform(12, 32);
  const B = r.uniform(18, 38);
  const L = r.uniform(25, 65);
  const Aext = A - r.uniform(2, 9);
  const Bext = B - r.uniform(1, 8);
  const Lext = L + r.uniform(4, 22);
  const chroma = (a: number, b: number) => Math.hypot(a, b);
  const hue = (a: number, b: number) => (Math.atan2(b, a) * 180) / Math.PI;
  const deltaL = L - Lext;
  const deltaB = B - Bext;
  const fields: Record<Isic2024Column, string> = {
    isic_id: row.id,
    target: String(target),
    patient_id: row.patientId,
    age_approx: row.age === null ? '' : `${row.age}.0`,
    sex: row.sex,
    anatom_site_general: site,
    clin_size_long_diam_mm: num(long, 2),
    image_type: 'TBP tile: close-up',
    tbp_tile_type: row.tileType,
    tbp_lv_A: num(A, 6),
    tbp_lv_Aext: num(Aext, 6),
    tbp_lv_B: num(B, 6),
    tbp_lv_Bext: num(Bext, 6),
    tbp_lv_C: num(chroma(A, B), 6),
    tbp_lv_Cext: num(chroma(Aext, Bext), 6),
    tbp_lv_H: num(hue(A, B), 6),
    tbp_lv_Hext: num(hue(Aext, Bext), 6),
    tbp_lv_L: num(L, 6),
    tbp_lv_Lext: num(Lext, 6),
    tbp_lv_areaMM2: num(area, 6),
    tbp_lv_area_perim_ratio: num((perimeter * perimeter) / area, 6),
    tbp_lv_color_std_mean: num(malignant ? r.uniform(1, 5) : r.uniform(0, 2), 6),
    tbp_lv_deltaA: num(A - Aext, 6),
    tbp_lv_deltaB: num(deltaB, 6),
    tbp_lv_deltaL: num(deltaL, 6),
    tbp_lv_deltaLB: num(Math.hypot(deltaL, deltaB), 6),
    tbp_lv_deltaLBnorm: num(r.uniform(4, 16), 6),
    tbp_lv_eccentricity: num(Math.sqrt(1 - (minor / long) ** 2), 6),
    tbp_lv_location: location,
    tbp_lv_location_simple: locationSimple,
    tbp_lv_minorAxisMM: num(minor, 6),
    tbp_lv_nevi_confidence: num(label === 'nevus' ? r.uniform(60, 100) : r.uniform(0, 60), 6),
    tbp_lv_norm_border: num(malignant ? r.uniform(4, 10) : r.uniform(0, 6), 6),
    tbp_lv_norm_color: num(malignant ? r.uniform(3, 10) : r.uniform(0, 5), 6),
    tbp_lv_perimeterMM: num(perimeter, 6),
    tbp_lv_radial_color_std_max: num(r.uniform(0, malignant ? 3 : 1.5), 6),
    tbp_lv_stdL: num(r.uniform(0.5, 4), 6),
    tbp_lv_stdLExt: num(r.uniform(0.5, 3), 6),
    tbp_lv_symm_2axis: num(malignant ? r.uniform(0.3, 0.8) : r.uniform(0.1, 0.45), 6),
    tbp_lv_symm_2axis_angle: String(5 * r.int(0, 35)),
    tbp_lv_x: num(r.uniform(-220, 220), 6),
    tbp_lv_y: num(r.uniform(0, 1800), 6),
    tbp_lv_z: num(r.uniform(-120, 180), 6),
    attribution: row.attribution,
    copyright_license: row.licence,
    lesion_id: row.lesionId,
    iddx_full: levels.join('::'),
    iddx_1: levels[0] ?? '',
    iddx_2: levels[1] ?? '',
    iddx_3: levels[2] ?? '',
    iddx_4: levels[3] ?? '',
    iddx_5: levels[4] ?? '',
    mel_mitotic_index: row.melMitoticIndex,
    mel_thick_mm: row.melThickMm === null ? '' : num(row.melThickMm, 2),
    tbp_lv_dnn_lesion_confidence: num(r.uniform(malignant ? 40 : 70, 100), 6),
  };
  return fields;
}

/** A CSV cell as pandas writes it: quoted only when it must be. */
function pandasCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** train-metadata.csv: the 55 columns, one row per planned row, LF lines as pandas writes. */
export function isic2024MetadataCsv(plan: Isic2024Plan, seed: number): string {
  const lines = plan.rows.map((row) => {
    const fields = isic2024Fields(row, seed);
    return ISIC2024_COLUMNS.map((column) => pandasCell(fields[column])).join(',');
  });
  return [ISIC2024_COLUMNS.join(','), ...lines].map((line) => `${line}\n`).join('');
}

/**
 * The challenge bucket's ISIC_2024_Training_Input/metadata.csv, as the Archive writes it:
 * isic_id, attribution, copyright_license, then the other non-diagnosis fields sorted by name;
 * ages as integers, CRLF lines, a TAB before a value starting with =, -, +, @.
 */
export function isic2024ChallengeMetadataCsv(plan: Isic2024Plan, seed: number): string {
  const leading: readonly Isic2024Column[] = ['isic_id', 'attribution', 'copyright_license'];
  const rest = ISIC2024_COLUMNS.filter(
    (c) => !leading.includes(c) && !ISIC2024_DIAGNOSIS_COLUMNS.includes(c),
  ).sort();
  const header = [...leading, ...rest];
  const lines = plan.rows.map((row) => {
    const fields = isic2024Fields(row, seed);
    fields.age_approx = row.age === null ? '' : String(row.age);
    return header.map((column) => cell(fields[column])).join(',');
  });
  return csvText(header, lines);
}

/** ISIC_2024_Training_GroundTruth.csv: `isic_id,malignant`, 1.0 for target 1. */
export function isic2024GroundTruthCsv(plan: Isic2024Plan): string {
  const lines = plan.rows.map((row) => `${row.id},${row.diagnosis.target === 1 ? '1.0' : '0.0'}`);
  return ['isic_id,malignant', ...lines].map((line) => `${line}\n`).join('');
}

/** ISIC_2024_Training_Supplement.csv: the diagnosis columns the input metadata leaves out. */
export function isic2024SupplementCsv(plan: Isic2024Plan, seed: number): string {
  const lines = plan.rows.map((row) => {
    const fields = isic2024Fields(row, seed);
    return ISIC2024_SUPPLEMENT_COLUMNS.map((column) => pandasCell(fields[column])).join(',');
  });
  return [ISIC2024_SUPPLEMENT_COLUMNS.join(','), ...lines].map((line) => `${line}\n`).join('');
}
