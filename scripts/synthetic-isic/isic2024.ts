/**
 * Plans a synthetic ISIC 2024 challenge dataset (SLICE-3D: 3D total-body-photography tiles, Kaggle
 * `isic-2024-challenge`). Its CSVs are written by isic2024Csv.ts, its images by isic2024Files.ts:
 *
 *   train-metadata.csv     the 55 columns of the real file in its order (isic2024Csv.ts), LF lines
 *   train-image.hdf5       one dataset per isic_id holding the JPEG's bytes
 *   train-image/image/ISIC_1234567.jpg
 *
 * and as the challenge bucket hands it out:
 *
 *   ISIC_2024_Training_Input.zip          ISIC_2024_Training_Input/ISIC_*.jpg and metadata.csv
 *                                         (Archive-style, no diagnosis columns)
 *   ISIC_2024_Training_GroundTruth.csv    isic_id,malignant (1.0 / 0.0)
 *   ISIC_2024_Training_Supplement.csv     isic_id,iddx_full,iddx_1 … iddx_5,mel_mitotic_index,mel_thick_mm
 *
 * Most real rows are only "Benign" (iddx_1, nothing deeper): no class for the app. `target` is 1
 * for any malignancy, so basal and squamous cell carcinoma rows are 1 with no class. Quirks add
 * rows or images that test how the app copes; each is an extra on top of the counts. Seeded: the
 * same options give the same plan and the same bytes.
 */
import { Random, hashString } from '../../src/lib/random.ts';
import { CLASSES, type LesionClass } from '../../src/dataset/types.ts';
import { LICENCES } from './archive.ts';
import type { ClassCounts } from './isic2017.ts';

export interface Isic2024Quirks {
  /** One more nevus row whose HDF5 dataset (and file) holds bytes that are not a JPEG. */
  corruptJpeg: boolean;
  /** One more melanoma row whose image is in neither the HDF5 nor the folder. */
  missingImage: boolean;
  /** One more image (a nevus look) with no metadata row. */
  orphanImage: boolean;
  /** One more row whose iddx_2 is not in the ISIC taxonomy ("Benign fantasy proliferations"). */
  unknownTaxonomy: boolean;
}

export const NO_QUIRKS: Isic2024Quirks = {
  corruptJpeg: false,
  missingImage: false,
  orphanImage: false,
  unknownTaxonomy: false,
};
export const ALL_QUIRKS: Isic2024Quirks = {
  corruptJpeg: true,
  missingImage: true,
  orphanImage: true,
  unknownTaxonomy: true,
};

export interface SyntheticIsic2024Options {
  seed: number;
  /** Side of the square crops in pixels (the real ones are about 133). */
  size: number;
  jpegQuality: number;
  /** Rows (with readable images) of the three classes. */
  counts: ClassCounts;
  /**
   * Rows without a class: about half "Benign" alone, then basal and squamous cell carcinoma
   * (target 1), "Indeterminate", and other benign diagnoses, cycling through NO_CLASS_DIAGNOSES.
   */
  noClass: number;
  quirks: Isic2024Quirks;
}

export const DEFAULT_ISIC2024_OPTIONS: SyntheticIsic2024Options = {
  seed: 2024,
  size: 64,
  jpegQuality: 90,
  counts: { nevus: 12, melanoma: 6, seborrheic_keratosis: 4 },
  noClass: 18,
  quirks: NO_QUIRKS,
};

/** Counts for `total` rows: 30 % nevus, 10 % melanoma, 10 % seborrheic keratosis, the rest none. */
export function isic2024CountsFor(
  total: number,
): Pick<SyntheticIsic2024Options, 'counts' | 'noClass'> {
  const nevus = Math.round(total * 0.3);
  const melanoma = Math.round(total * 0.1);
  const seborrheic_keratosis = Math.round(total * 0.1);
  return {
    counts: { nevus, melanoma, seborrheic_keratosis },
    noClass: Math.max(0, total - nevus - melanoma - seborrheic_keratosis),
  };
}

/** One diagnosis of the 2024 taxonomy, and where the app puts it. */
export interface Isic2024Diagnosis {
  /** iddx_1 … (at most five levels); iddx_full is them joined with `::`. */
  levels: readonly string[];
  /** 1 for any malignancy (melanoma, basal and squamous cell carcinoma). */
  target: 0 | 1;
  /** The app's class, or null: left out, counted under the deepest level. */
  label: LesionClass | null;
}

const MELANOMA_2 = 'Malignant melanocytic proliferations (Melanoma)';
const MELANOMA: Isic2024Diagnosis[] = [
  ['Melanoma Invasive', 'Melanoma Invasive, Superficial spreading'],
  ['Melanoma in situ'],
  ['Melanoma Invasive'],
  ['Melanoma in situ', 'Melanoma in situ, Lentigo maligna type'],
].map((deeper) => ({ levels: ['Malignant', MELANOMA_2, ...deeper], target: 1, label: 'melanoma' }));

const NEVUS: Isic2024Diagnosis[] = [
  [],
  ['Nevus, Atypical, Dysplastic, or Clark'],
  ['Nevus, NOS, Compound'],
].map((deeper) => ({
  levels: ['Benign', 'Benign melanocytic proliferations', 'Nevus', ...deeper],
  target: 0,
  label: 'nevus',
}));

const KERATOSIS: Isic2024Diagnosis[] = [
  {
    levels: ['Benign', 'Benign epidermal proliferations', 'Seborrheic keratosis'],
    target: 0,
    label: 'seborrheic_keratosis',
  },
];

/** Left out, in this order over and over: half of them "Benign" alone, as most real rows are. */
export const NO_CLASS_DIAGNOSES: Isic2024Diagnosis[] = (
  [
    [['Benign'], 0],
    [
      [
        'Malignant',
        'Malignant adnexal epithelial proliferations - Follicular',
        'Basal cell carcinoma',
      ],
      1,
    ],
    [['Benign'], 0],
    [['Indeterminate'], 0],
    [['Benign'], 0],
    [['Malignant', 'Malignant epidermal proliferations', 'Squamous cell carcinoma, NOS'], 1],
    [['Benign'], 0],
    [['Benign', 'Benign soft tissue proliferations - Fibro-histiocytic', 'Dermatofibroma'], 0],
    [['Benign'], 0],
    [
      [
        'Indeterminate',
        'Indeterminate melanocytic proliferations',
        'Atypical melanocytic neoplasm',
      ],
      0,
    ],
    [['Benign'], 0],
    [['Benign', 'Benign soft tissue proliferations - Vascular', 'Hemangioma'], 0],
  ] as const
).map(([levels, target]) => ({ levels, target, label: null }));

const UNKNOWN_TAXONOMY: Isic2024Diagnosis = {
  levels: ['Benign', 'Benign fantasy proliferations'],
  target: 0,
  label: null,
};

/** The name the app counts a left-out row under: its deepest diagnosis level. */
export function deepestLevel(diagnosis: Isic2024Diagnosis): string {
  return diagnosis.levels.at(-1) as string;
}

/** Each institution with the licence its images carry (one per patient). */
const INSTITUTIONS: readonly { attribution: string; licence: (typeof LICENCES)[number] }[] = [
  { attribution: 'Memorial Sloan Kettering Cancer Center', licence: 'CC-BY' },
  { attribution: 'Department of Dermatology, Hospital Clínic de Barcelona', licence: 'CC-BY-NC' },
  { attribution: 'ACEMID MIA', licence: 'CC-0' },
  {
    attribution: 'Frazer Institute, The University of Queensland, Dermatology Research Centre',
    licence: 'CC-BY',
  },
  { attribution: 'University Hospital of Basel', licence: 'CC-BY-NC' },
];

/** tbp_lv_location, tbp_lv_location_simple and the anatom_site_general they belong to. */
export const LOCATIONS: readonly [string, string, string][] = [
  ['Torso Back Top Third', 'Torso Back', 'posterior torso'],
  ['Torso Back Middle Third', 'Torso Back', 'posterior torso'],
  ['Torso Front Top Half', 'Torso Front', 'anterior torso'],
  ['Right Leg - Lower', 'Right Leg', 'lower extremity'],
  ['Left Leg - Upper', 'Left Leg', 'lower extremity'],
  ['Left Arm - Upper', 'Left Arm', 'upper extremity'],
  ['Right Arm - Lower', 'Right Arm', 'upper extremity'],
  ['Head & Neck', 'Head & Neck', 'head/neck'],
  ['Unknown', 'Unknown', ''],
];

const MITOTIC_INDEX = ['0/mm^2', '<1/mm^2', '1/mm^2', '2/mm^2', '3/mm^2', '4/mm^2'];

export type Isic2024ImageState = 'ok' | 'corrupt' | 'missing';

/** One row of train-metadata.csv. */
export interface Isic2024Row {
  id: string;
  diagnosis: Isic2024Diagnosis;
  /** Whether the HDF5 and the folder hold a readable JPEG for it, bytes that are not one, or none. */
  image: Isic2024ImageState;
  /** `IP_1234567`, on every row; several rows per patient. */
  patientId: string;
  /** `IL_1234567`, or '' where the row has none. */
  lesionId: string;
  attribution: string;
  licence: (typeof LICENCES)[number];
  age: number | null;
  sex: string;
  /** Index into LOCATIONS. */
  location: number;
  tileType: '3D: white' | '3D: XP';
  /** mel_thick_mm, on some invasive melanoma rows. */
  melThickMm: number | null;
  /** mel_mitotic_index (`<1/mm^2` …), or '' where none. */
  melMitoticIndex: string;
}

export interface Isic2024Plan {
  /** The metadata rows, sorted by id as the real file is. */
  rows: Isic2024Row[];
  /** The ids stored as images (HDF5 datasets, files), sorted: rows with an image, and the orphan. */
  images: string[];
  /** The quirks' ids, or null where that quirk is off. */
  corruptImage: string | null;
  missingImage: string | null;
  orphanImage: string | null;
  unknownTaxonomy: string | null;
}

type Slot = { diagnosis: Isic2024Diagnosis; quirk?: 'corrupt' | 'missing' | 'unknown' | 'orphan' };

/** Unique `PREFIX_1234567` ids drawn from `random`, in draw order. */
function drawIds(random: Random, prefix: string, count: number): string[] {
  const ids = new Set<string>();
  while (ids.size < count) {
    ids.add(`${prefix}_${String(Math.floor(random.uniform(0, 9_999_999))).padStart(7, '0')}`);
  }
  return [...ids];
}

/** Ids, diagnoses, patients, lesions, licences and quirks: everything but pixels and tbp values. */
export function planIsic2024(options: SyntheticIsic2024Options): Isic2024Plan {
  const cycle = (list: readonly Isic2024Diagnosis[], n: number): Slot[] =>
    Array.from({ length: n }, (_, i) => ({
      diagnosis: list[i % list.length] as Isic2024Diagnosis,
    }));
  const { quirks } = options;
  const slots: Slot[] = [
    ...cycle(NEVUS, options.counts.nevus),
    ...cycle(MELANOMA, options.counts.melanoma),
    ...cycle(KERATOSIS, options.counts.seborrheic_keratosis),
    ...cycle(NO_CLASS_DIAGNOSES, options.noClass),
    ...(quirks.corruptJpeg ? [{ diagnosis: NEVUS[0], quirk: 'corrupt' } as Slot] : []),
    ...(quirks.missingImage ? [{ diagnosis: MELANOMA[0], quirk: 'missing' } as Slot] : []),
    ...(quirks.unknownTaxonomy ? [{ diagnosis: UNKNOWN_TAXONOMY, quirk: 'unknown' } as Slot] : []),
    ...(quirks.orphanImage ? [{ diagnosis: NEVUS[0], quirk: 'orphan' } as Slot] : []),
  ];
  const random = new Random(options.seed);
  const ids = drawIds(random, 'ISIC', slots.length).sort();
  const shuffled = random.shuffle(slots);
  // About five images per patient, drawn at random so that each has a mix of diagnoses.
  const patients = drawIds(random, 'IP', Math.max(1, Math.ceil(slots.length / 5)));
  const lesions = drawIds(random, 'IL', slots.length);
  const plan: Isic2024Plan = {
    rows: [],
    images: [],
    corruptImage: null,
    missingImage: null,
    orphanImage: null,
    unknownTaxonomy: null,
  };
  ids.forEach((id, i) => {
    const { diagnosis, quirk } = shuffled[i] as Slot;
    if (quirk === 'orphan') {
      plan.orphanImage = id;
      plan.images.push(id);
      return;
    }
    if (quirk === 'corrupt') plan.corruptImage = id;
    if (quirk === 'missing') plan.missingImage = id;
    if (quirk === 'unknown') plan.unknownTaxonomy = id;
    const r = new Random(hashString(`${options.seed}/${id}/metadata`));
    const patient = r.int(0, patients.length - 1);
    const institution = INSTITUTIONS[
      patient % INSTITUTIONS.length
    ] as (typeof INSTITUTIONS)[number];
    // Lesions of interest (any diagnosis beyond "Benign") have a lesion id; some benign ones too.
    const lesionId = diagnosis.levels.length > 1 || r.next() < 0.15 ? (lesions[i] as string) : '';
    const invasive = diagnosis.levels[2] === 'Melanoma Invasive';
    const thick = invasive && r.next() < 0.75;
    const image: Isic2024ImageState =
      quirk === 'corrupt' ? 'corrupt' : quirk === 'missing' ? 'missing' : 'ok';
    plan.rows.push({
      id,
      diagnosis,
      image,
      patientId: patients[patient] as string,
      lesionId,
      attribution: institution.attribution,
      licence: institution.licence,
      age: r.next() < 0.03 ? null : 5 * Math.round(r.uniform(20, 85) / 5),
      sex: r.next() < 0.03 ? '' : r.pick(['male', 'female']),
      location: r.int(0, LOCATIONS.length - 1),
      tileType: r.next() < 0.5 ? '3D: white' : '3D: XP',
      melThickMm: thick ? Math.round(r.uniform(0.1, 3) * 100) / 100 : null,
      melMitoticIndex: thick && r.next() < 0.6 ? r.pick(MITOTIC_INDEX) : '',
    });
    if (image !== 'missing') plan.images.push(id);
  });
  return plan;
}

/** What the app must find, derived from the plan: e2e and unit tests count from this. */
export interface Isic2024Expected {
  /** Ids of each class whose row has a readable image. */
  classes: Record<LesionClass, string[]>;
  /**
   * Ids of rows with a readable image and no class, by their deepest diagnosis level ("Benign",
   * "Basal cell carcinoma", "Benign fantasy proliferations" for the unknown-taxonomy quirk …).
   */
  leftOut: Map<string, string[]>;
  /** Every row's licence, patient id, lesion id ('' for none) and target, by id. */
  licence: Map<string, string>;
  patient: Map<string, string>;
  lesion: Map<string, string>;
  target: Map<string, 0 | 1>;
  /** Quirks: rows whose image is not a JPEG, rows without an image, images without a row. */
  corrupt: string[];
  missing: string[];
  orphans: string[];
  /** The row whose iddx_2 is outside the taxonomy (also under leftOut), if any. */
  unknownTaxonomy: string[];
}

export function expectedIsic2024(options: SyntheticIsic2024Options): Isic2024Expected {
  const plan = planIsic2024(options);
  const classes = Object.fromEntries(CLASSES.map((c) => [c, [] as string[]])) as Record<
    LesionClass,
    string[]
  >;
  const leftOut = new Map<string, string[]>();
  for (const row of plan.rows) {
    if (row.image !== 'ok') continue;
    const { label } = row.diagnosis;
    if (label !== null) classes[label].push(row.id);
    else {
      const name = deepestLevel(row.diagnosis);
      leftOut.set(name, [...(leftOut.get(name) ?? []), row.id]);
    }
  }
  const byId = <T>(value: (row: Isic2024Row) => T) =>
    new Map(plan.rows.map((row) => [row.id, value(row)]));
  const listed = (id: string | null) => (id === null ? [] : [id]);
  return {
    classes,
    leftOut,
    licence: byId((row) => row.licence),
    patient: byId((row) => row.patientId),
    lesion: byId((row) => row.lesionId),
    target: byId((row) => row.diagnosis.target),
    corrupt: listed(plan.corruptImage),
    missing: listed(plan.missingImage),
    orphans: listed(plan.orphanImage),
    unknownTaxonomy: listed(plan.unknownTaxonomy),
  };
}
