/** The dataset's vocabulary, shared by the ingest worker, the storage layer and the UI. */

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** The three classes of the ISIC_melanoma method, in the order of every probability vector. */
export const CLASSES = ['nevus', 'melanoma', 'seborrheic_keratosis'] as const;
export type LesionClass = (typeof CLASSES)[number];

/** Where melanoma and seborrheic keratosis sit in a probability vector. */
export const MELANOMA = CLASSES.indexOf('melanoma');
export const KERATOSIS = CLASSES.indexOf('seborrheic_keratosis');

export const CLASS_LABELS: Record<LesionClass, string> = {
  nevus: 'Nevus',
  melanoma: 'Melanoma',
  seborrheic_keratosis: 'Seborrheic keratosis',
};

export const SPLIT_LABELS: Record<Split, string> = {
  train: 'Train',
  val: 'Validation',
  test: 'Test',
};

/** A file that was skipped or refused, and why: one row in the problems list. */
export interface Problem {
  /** The file's path as the person dropped it (inside a zip: `archive.zip/inner/path`). */
  file: string;
  reason: string;
  /** The image the problem concerns, where there is one (a refused label row names its image). */
  key?: string;
}

/** One label row of any ISIC label file, mapped to the app's classes. */
export interface LabelRow {
  /** The image id as the file spells it, e.g. `ISIC_0000000`. */
  id: string;
  /** `imageKey(id)`: how images, masks and rows are matched. */
  key: string;
  /** The app's class, or null for a diagnosis outside the three classes (left out, reported). */
  label: LesionClass | null;
  /** The file's own diagnosis in its own words, e.g. `MEL`, `BCC`, `malignant`, `nevus`. */
  diagnosis: string;
  /** Lesion or patient id, where the file gives one: images of one group stay in one split. */
  group?: string;
  /** Which id `group` is (absent in manifests stored before it was recorded). */
  groupBy?: GroupKind;
}

/** What groups images for the split: one lesion's photos, or one patient's. */
export type GroupKind = 'lesion' | 'patient';

/** One metadata row (age, sex, site, lesion or patient group). */
export interface MetadataRow {
  id: string;
  key: string;
  /** Approximate age in years, or null where the file says unknown or leaves it empty. */
  age: number | null;
  sex: string | null;
  site: string | null;
  group?: string;
  groupBy?: GroupKind;
  /** The image's licence as the ISIC Archive writes it (`CC-0`, `CC-BY`, `CC-BY-NC`), where given. */
  licence?: string;
  /** Who to credit for the image (the ISIC Archive's `attribution`), where given. */
  attribution?: string;
}

export type CsvFormat =
  | 'isic2016-labels'
  | 'isic2017-labels'
  | 'isic2017-metadata'
  | 'isic2018-task3-labels'
  | 'ham10000-metadata'
  | 'isic2019-labels'
  | 'isic2019-metadata'
  | 'isic2020-labels'
  | 'isic-archive-metadata'
  | 'isic2024-metadata'
  | 'isic2024-groundtruth';

export interface ParsedCsv {
  /** The recognised layout, or null when the header is unknown (then `problems` says so). */
  format: CsvFormat | null;
  labels: LabelRow[];
  metadata: MetadataRow[];
  /** One per refused row or for the whole file, each naming the file and the reason. */
  problems: Problem[];
}
