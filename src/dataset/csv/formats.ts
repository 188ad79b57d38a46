/**
 * Which ISIC CSV layout a file uses, told by its header row (or, for the headerless ISIC 2016
 * files, by the shape of its first row), and a by-name view of a row's cells.
 */
import type { CsvFormat } from '../types.ts';

/** The class columns of the one-hot label files, as the challenges spell them. */
export const ONE_HOT_2018 = ['MEL', 'NV', 'BCC', 'AKIEC', 'BKL', 'DF', 'VASC'] as const;
export const ONE_HOT_2019 = ['MEL', 'NV', 'BCC', 'AK', 'BKL', 'DF', 'VASC', 'SCC', 'UNK'] as const;

/** The columns a header must have (any order, any case), and those it may have besides. */
interface Layout {
  format: CsvFormat;
  required: readonly string[];
  optional?: readonly string[];
}

const LAYOUTS: readonly Layout[] = [
  { format: 'isic2017-labels', required: ['image_id', 'melanoma', 'seborrheic_keratosis'] },
  { format: 'isic2017-metadata', required: ['image_id', 'age_approximate', 'sex'] },
  { format: 'isic2018-task3-labels', required: ['image', ...ONE_HOT_2018] },
  {
    format: 'ham10000-metadata',
    required: ['lesion_id', 'image_id', 'dx', 'dx_type', 'age', 'sex', 'localization'],
    // The 2023 Dataverse release of HAM10000 adds the source collection.
    optional: ['dataset'],
  },
  { format: 'isic2019-labels', required: ['image', ...ONE_HOT_2019] },
  {
    format: 'isic2019-metadata',
    required: ['image', 'age_approx', 'anatom_site_general', 'lesion_id', 'sex'],
  },
  {
    format: 'isic2020-labels',
    required: [
      'image_name',
      'patient_id',
      'sex',
      'age_approx',
      'anatom_site_general_challenge',
      'diagnosis',
      'benign_malignant',
      'target',
    ],
    // The v2 ground truth (ISIC_2020_Training_GroundTruth_v2.csv) adds lesion_id.
    optional: ['lesion_id'],
  },
  // ISIC_2024_Training_GroundTruth.csv: `malignant` is any malignancy, not a class.
  { format: 'isic2024-groundtruth', required: ['isic_id', 'malignant'] },
];

/**
 * The ISIC Archive's `metadata.csv` has no fixed set of columns: `isic_id,attribution,
 * copyright_license`, then only the fields some image has, sorted by name. It is told by
 * `isic_id` with one of the columns only the Archive writes. ISIC 2024's `train-metadata.csv`
 * (55 columns) and `ISIC_2024_Training_Supplement.csv` are Archive exports too, told by their
 * `iddx_*` diagnosis levels. `missing-id`: the Archive's columns without `isic_id`, so no row can
 * be matched to an image.
 */
const ARCHIVE_COLUMNS = ['attribution', 'copyright_license', 'diagnosis_1', 'benign_malignant'];
const ISIC2024_COLUMNS = ['iddx_full', 'iddx_1'];

export function archiveHeader(
  header: readonly string[],
): 'isic-archive-metadata' | 'isic2024-metadata' | 'missing-id' | null {
  const names = new Set(header.map(normalise));
  const isic2024 = ISIC2024_COLUMNS.some((name) => names.has(name));
  if (!isic2024 && !ARCHIVE_COLUMNS.some((name) => names.has(name))) return null;
  if (names.has('isic_id')) return isic2024 ? 'isic2024-metadata' : 'isic-archive-metadata';
  return names.has('copyright_license') || isic2024 ? 'missing-id' : null;
}

/** The ISIC 2016 files have no header: each row is `ISIC_0000000,benign` (or `,0.0`). */
export const ISIC2016_COLUMNS = ['image_id', 'value'] as const;

const normalise = (name: string): string => name.trim().toLowerCase();

/** The layout whose columns the header has exactly (bar its optional ones), or null. */
export function formatOfHeader(header: readonly string[]): CsvFormat | null {
  const names = new Set(header.map(normalise).filter((name) => name !== ''));
  for (const layout of LAYOUTS) {
    const required = layout.required.map(normalise);
    const allowed = new Set([...required, ...(layout.optional ?? []).map(normalise)]);
    if (required.every((name) => names.has(name)) && [...names].every((n) => allowed.has(n))) {
      return layout.format;
    }
  }
  return null;
}

/** True when the first row is ISIC 2016 data rather than a header: an ISIC id and one value. */
export function looksLikeIsic2016(firstRow: readonly string[]): boolean {
  return firstRow.length === 2 && /^ISIC_\d+/i.test((firstRow[0] ?? '').trim());
}

/**
 * A row's cells by column name (case-insensitive), trimmed; a missing cell reads as ''. A value
 * that starts with `=`, `-`, `+` or `@` loses the TAB the ISIC Archive puts before it (so that a
 * spreadsheet does not take it for a formula).
 */
export type Cells = (column: string) => string;

/** Builds the by-name reader for rows under this header. */
export function cellReader(header: readonly string[]): (row: readonly string[]) => Cells {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    const key = normalise(name);
    if (!index.has(key)) index.set(key, i);
  });
  return (row) => (column) => {
    const i = index.get(normalise(column));
    return i === undefined ? '' : (row[i] ?? '').replace(/^\t(?=[=+\-@])/, '').trim();
  };
}
