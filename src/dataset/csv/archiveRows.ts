/**
 * The ISIC Archive's `metadata.csv` (gallery zips, isic-cli): one row per image with its licence,
 * attribution, lesion and patient ids, age, sex, site and diagnosis. Since 2024 the diagnosis is
 * hierarchical, one level per column (`diagnosis_1` Benign / Malignant / Indeterminate, then
 * `diagnosis_2` … `diagnosis_5`); older downloads have `diagnosis` and `benign_malignant`. Both
 * are read. docs/formats.md has the mapping table.
 */
import type { LesionClass } from '../types.ts';
import type { Cells } from './formats.ts';
import type { LabelFields, Mapped, RowMapper } from './rows.ts';
import { groupOf, metadata } from './values.ts';

export const ARCHIVE_DIAGNOSIS_LEVELS = [
  'diagnosis_1',
  'diagnosis_2',
  'diagnosis_3',
  'diagnosis_4',
  'diagnosis_5',
] as const;

const MELANOMA_2 = 'malignant melanocytic proliferations (melanoma)';
const BENIGN_MELANOCYTIC_2 = 'benign melanocytic proliferations';
const BENIGN_EPIDERMAL_2 = 'benign epidermal proliferations';

/**
 * The benign keratosis-like lesions, taken as seborrheic keratosis as the app takes ISIC 2018 and
 * 2019's BKL and HAM10000's bkl (which are exactly these): pigmented benign keratosis, solar
 * lentigo and lichen planus-like keratosis, by their `diagnosis_3` (2024 taxonomy) or their
 * `diagnosis` (older downloads).
 */
const BENIGN_KERATOSIS_LIKE = new Set([
  'pigmented benign keratosis',
  'solar lentigo',
  'lichen planus like keratosis',
  'lichenoid keratosis',
]);

/** The 2024 taxonomy's levels to a class: null is a diagnosis outside the three (left out). */
function hierarchicalClass(levels: readonly string[]): LesionClass | null {
  const [, second = '', third = ''] = levels.map((level) => level.toLowerCase());
  if (second === MELANOMA_2) return 'melanoma';
  if (second === BENIGN_MELANOCYTIC_2 && third === 'nevus') return 'nevus';
  if (second === BENIGN_EPIDERMAL_2 && third === 'seborrheic keratosis') {
    return 'seborrheic_keratosis';
  }
  // A collision ("Collision - …" at diagnosis_2) has no single class and stays left out.
  if (second.startsWith('collision')) return null;
  if (BENIGN_KERATOSIS_LIKE.has(third)) return 'seborrheic_keratosis';
  return null;
}

/** The older downloads' `diagnosis` to a class: null is a diagnosis outside the three. */
function flatClass(diagnosis: string): LesionClass | null {
  const word = diagnosis.toLowerCase();
  if (word === 'melanoma') return 'melanoma';
  if (word === 'nevus') return 'nevus';
  if (word === 'seborrheic keratosis' || BENIGN_KERATOSIS_LIKE.has(word)) {
    return 'seborrheic_keratosis';
  }
  return null;
}

/** The diagnosis of a row, or nothing when the file has no diagnosis column at all. */
function label(
  cells: Cells,
  columns: ReadonlySet<string>,
): LabelFields | { refused: string } | null {
  const group = groupOf(cells, cells('patient_id') === '' ? 'lesion_id' : 'patient_id');
  const levels = ARCHIVE_DIAGNOSIS_LEVELS.map((column) => cells(column));
  const deepest = levels.filter((level) => level !== '').at(-1);
  if (deepest !== undefined) {
    return { label: hierarchicalClass(levels), diagnosis: deepest, ...group };
  }
  const diagnosis = cells('diagnosis');
  const benignMalignant = cells('benign_malignant').toLowerCase();
  if (diagnosis !== '') {
    const label = flatClass(diagnosis);
    if (label === 'melanoma' && benignMalignant === 'benign') {
      return { refused: 'diagnosis is melanoma but benign_malignant is benign' };
    }
    return { label, diagnosis, ...group };
  }
  const hasDiagnosis =
    ARCHIVE_DIAGNOSIS_LEVELS.some((column) => columns.has(column)) ||
    columns.has('diagnosis') ||
    columns.has('benign_malignant');
  if (!hasDiagnosis) return null;
  // Benign or malignant alone names no class; a row with nothing has no diagnosis at all.
  return { label: null, diagnosis: cells('benign_malignant') || 'no diagnosis', ...group };
}

export const ARCHIVE_MAPPER: RowMapper = {
  idColumn: 'isic_id',
  map(cells, columns): Mapped {
    const meta = metadata(cells, {
      age: 'age_approx',
      sex: 'sex',
      site: cells('anatom_site_general') === '' ? 'anatom_site_1' : 'anatom_site_general',
      group: cells('patient_id') === '' ? 'lesion_id' : 'patient_id',
    });
    if ('refused' in meta) return meta;
    const licence = cells('copyright_license');
    const attribution = cells('attribution');
    const metadataFields = {
      ...meta,
      ...(licence === '' ? {} : { licence }),
      ...(attribution === '' ? {} : { attribution }),
    };
    const labelFields = label(cells, columns);
    if (labelFields !== null && 'refused' in labelFields) return labelFields;
    return labelFields === null
      ? { metadata: metadataFields }
      : { label: labelFields, metadata: metadataFields };
  },
};
