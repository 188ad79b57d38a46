/**
 * The ISIC Archive's `metadata.csv` (gallery zips, isic-cli): one row per image with its licence,
 * attribution, lesion and patient ids, age, sex, site and diagnosis. Since 2024 the diagnosis is
 * hierarchical, one level per column (`diagnosis_1` Benign / Malignant / Indeterminate, then
 * `diagnosis_2` … `diagnosis_5`); older downloads have `diagnosis` and `benign_malignant`. Both
 * are read. ISIC 2024's `train-metadata.csv` and Supplement are the same export with the levels
 * named `iddx_1` … `iddx_5` (its `target`, any malignancy, is never the class). docs/formats.md has
 * the mapping table.
 */
import type { Cells } from './formats.ts';
import type { LabelFields, Mapped, RowMapper } from './rows.ts';
import { flatClass, hierarchicalClass } from './diagnoses.ts';
import { groupOf, metadata } from './values.ts';

/** The diagnosis levels' columns: the Archive's, and ISIC 2024's (train-metadata.csv, Supplement). */
export const ARCHIVE_DIAGNOSIS_LEVELS = [
  'diagnosis_1',
  'diagnosis_2',
  'diagnosis_3',
  'diagnosis_4',
  'diagnosis_5',
] as const;
export const ISIC2024_DIAGNOSIS_LEVELS = [
  'iddx_1',
  'iddx_2',
  'iddx_3',
  'iddx_4',
  'iddx_5',
] as const;

/** The diagnosis of a row, or nothing when the file has no diagnosis column at all. */
function label(
  cells: Cells,
  columns: ReadonlySet<string>,
): LabelFields | { refused: string } | null {
  const group = groupOf(cells, cells('patient_id') === '' ? 'lesion_id' : 'patient_id');
  const levelColumns = columns.has('iddx_1') ? ISIC2024_DIAGNOSIS_LEVELS : ARCHIVE_DIAGNOSIS_LEVELS;
  const levels = levelColumns.map((column) => cells(column));
  const deepest = levels.filter((level) => level !== '').at(-1);
  if (deepest !== undefined) {
    const mapped = hierarchicalClass(levels, levelColumns);
    return 'refused' in mapped ? mapped : { label: mapped.label, diagnosis: deepest, ...group };
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
    levelColumns.some((column) => columns.has(column)) ||
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
