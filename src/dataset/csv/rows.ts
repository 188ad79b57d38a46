/**
 * Maps one data row of each ISIC CSV layout to the app's label and metadata rows, or to the
 * reason the row is refused. Ids, keys and duplicates are handled by the caller.
 */
import type { CsvFormat, LabelRow, LesionClass } from '../types.ts';
import { ARCHIVE_MAPPER } from './archiveRows.ts';
import { flatClass } from './diagnoses.ts';
import { ONE_HOT_2018, ONE_HOT_2019, type Cells } from './formats.ts';
import { flag, groupOf, metadata, type MetadataFields } from './values.ts';

export type LabelFields = Omit<LabelRow, 'id' | 'key'>;

/** A row's mapping: what it gives, or why it is refused. */
export type Mapped = { label?: LabelFields; metadata?: MetadataFields } | { refused: string };

export interface RowMapper {
  /** The column that holds the image id. */
  idColumn: string;
  /** `columns`: the header's column names, trimmed and lower-cased. */
  map: (cells: Cells, columns: ReadonlySet<string>) => Mapped;
}

const notFlag = (column: string, value: string): Mapped => ({
  refused: `${column} is "${value}", expected 0 or 1`,
});

/** MEL, NV and BKL (benign keratosis, which includes SK) are the app's classes; the rest are not. */
const ONE_HOT_CLASSES: Readonly<Record<string, LesionClass>> = {
  MEL: 'melanoma',
  NV: 'nevus',
  BKL: 'seborrheic_keratosis',
};

/** The ISIC 2018 Task 3 and 2019 one-hot files: exactly one class column is 1. */
function oneHot(columns: readonly string[]): RowMapper {
  return {
    idColumn: 'image',
    map(cells) {
      const set: string[] = [];
      for (const column of columns) {
        const value = flag(cells(column));
        if (value === null) return notFlag(column, cells(column));
        if (value === 1) set.push(column);
      }
      const [diagnosis, ...others] = set;
      if (diagnosis === undefined)
        return { refused: `no class column is 1 (${columns.join(', ')})` };
      if (others.length > 0) return { refused: `more than one class is set (${set.join(', ')})` };
      return { label: { label: ONE_HOT_CLASSES[diagnosis] ?? null, diagnosis } };
    },
  };
}

/** HAM10000's dx codes; bcc, akiec, df and vasc are outside the app's classes. */
const HAM10000_DX: Readonly<Record<string, LesionClass | null>> = {
  mel: 'melanoma',
  nv: 'nevus',
  bkl: 'seborrheic_keratosis',
  bcc: null,
  akiec: null,
  df: null,
  vasc: null,
};

export const ROW_MAPPERS: Readonly<Record<CsvFormat, RowMapper>> = {
  'isic-archive-metadata': ARCHIVE_MAPPER,
  'isic2024-metadata': ARCHIVE_MAPPER,

  // `malignant` (1 for melanoma, basal and squamous cell carcinoma alike) names no class: the
  // class comes from the Supplement's iddx_* levels. The flag is still checked.
  'isic2024-groundtruth': {
    idColumn: 'isic_id',
    map(cells) {
      return flag(cells('malignant')) === null ? notFlag('malignant', cells('malignant')) : {};
    },
  },

  // ISIC 2016 knows only benign vs malignant: malignant is melanoma and benign is taken as nevus
  // (the benign lesions of that challenge are mostly nevi, but not all).
  'isic2016-labels': {
    idColumn: 'image_id',
    map(cells) {
      const value = cells('value');
      const word = value.toLowerCase();
      const malignant = word === 'malignant' ? 1 : word === 'benign' ? 0 : flag(value);
      if (malignant === null) return { refused: `"${value}" is neither benign/malignant nor 0/1` };
      return { label: { label: malignant === 1 ? 'melanoma' : 'nevus', diagnosis: value } };
    },
  },

  'isic2017-labels': {
    idColumn: 'image_id',
    map(cells) {
      const mel = cells('melanoma');
      const sk = cells('seborrheic_keratosis');
      const melanoma = flag(mel);
      const keratosis = flag(sk);
      if (melanoma === null) return notFlag('melanoma', mel);
      if (keratosis === null) return notFlag('seborrheic_keratosis', sk);
      if (melanoma === 1 && keratosis === 1) {
        const values = mel === sk ? mel : `${mel}, ${sk}`;
        return { refused: `both melanoma and seborrheic_keratosis are set (${values})` };
      }
      const label: LesionClass =
        melanoma === 1 ? 'melanoma' : keratosis === 1 ? 'seborrheic_keratosis' : 'nevus';
      return { label: { label, diagnosis: label } };
    },
  },

  'isic2017-metadata': {
    idColumn: 'image_id',
    map: (cells) => wrapMetadata(metadata(cells, { age: 'age_approximate', sex: 'sex' })),
  },

  'isic2018-task3-labels': oneHot(ONE_HOT_2018),

  'ham10000-metadata': {
    idColumn: 'image_id',
    map(cells) {
      const dx = cells('dx');
      const label = HAM10000_DX[dx.toLowerCase()];
      if (label === undefined) {
        return {
          refused: `dx "${dx}" is not a HAM10000 diagnosis (mel, nv, bkl, bcc, akiec, df, vasc)`,
        };
      }
      const meta = metadata(cells, {
        age: 'age',
        sex: 'sex',
        site: 'localization',
        group: 'lesion_id',
      });
      if ('refused' in meta) return meta;
      return { label: { label, diagnosis: dx, ...groupOf(cells, 'lesion_id') }, metadata: meta };
    },
  },

  'isic2019-labels': oneHot(ONE_HOT_2019),

  'isic2019-metadata': {
    idColumn: 'image',
    map: (cells) =>
      wrapMetadata(
        metadata(cells, {
          age: 'age_approx',
          sex: 'sex',
          site: 'anatom_site_general',
          group: 'lesion_id',
        }),
      ),
  },

  'isic2020-labels': {
    idColumn: 'image_name',
    map(cells) {
      const target = flag(cells('target'));
      if (target === null) return notFlag('target', cells('target'));
      const written = cells('diagnosis');
      if (target === 0 && written.toLowerCase() === 'melanoma') {
        return { refused: 'diagnosis is melanoma but target is 0' };
      }
      const meta = metadata(cells, {
        age: 'age_approx',
        sex: 'sex',
        site: 'anatom_site_general_challenge',
        group: 'patient_id',
      });
      if ('refused' in meta) return meta;
      const label = target === 1 ? 'melanoma' : flatClass(written);
      const diagnosis = target === 1 ? 'melanoma' : written || 'unknown';
      return { label: { label, diagnosis, ...groupOf(cells, 'patient_id') }, metadata: meta };
    },
  },
};

function wrapMetadata(meta: MetadataFields | { refused: string }): Mapped {
  return 'refused' in meta ? meta : { metadata: meta };
}
