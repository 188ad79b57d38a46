/**
 * Lays synthetic lesions out as an ISIC Archive gallery download (a zip, or the folder isic-cli
 * writes):
 *
 *   ISIC_1234567.jpg (some .png)       every image at the root, named by its ISIC id
 *   metadata.csv                        isic_id,attribution,copyright_license, then the fields some
 *                                       image has, sorted by name; CRLF lines, as Python's csv
 *   attribution.txt                     who to credit
 *   licenses/CC-0.txt, CC-BY.txt, CC-BY-NC.txt
 *
 * `style: 'current'` writes the 2024 hierarchical diagnosis (diagnosis_1 … diagnosis_3),
 * `'before-2025'` the older `diagnosis` and `benign_malignant`. A value starting with `=`, `-`, `+`
 * or `@` gets a TAB before it and booleans are `True` / `False`, as the Archive writes them.
 * Seeded: the same options give the same bytes.
 */
import { PNG } from 'pngjs';
import { Random, hashString } from '../../src/lib/random.ts';
import type { LesionClass } from '../../src/dataset/types.ts';
import { encodeJpeg, utf8, type ClassCounts, type GeneratedFile } from './isic2017.ts';
import { renderLesion } from './render.ts';

export interface SyntheticArchiveOptions {
  seed: number;
  width: number;
  height: number;
  jpegQuality: number;
  /** Images of the three classes. */
  counts: ClassCounts;
  /** Images of diagnoses outside the three classes (cycling through OTHER_DIAGNOSES). */
  others: number;
  style: 'current' | 'before-2025';
}

export const DEFAULT_ARCHIVE_OPTIONS: SyntheticArchiveOptions = {
  seed: 2024,
  width: 256,
  height: 192,
  jpegQuality: 90,
  counts: { nevus: 12, melanoma: 6, seborrheic_keratosis: 4 },
  others: 6,
  style: 'current',
};

export const LICENCES = ['CC-0', 'CC-BY', 'CC-BY-NC'] as const;

/** One diagnosis as both styles write it, and where the app puts it. */
interface Diagnosis {
  levels: readonly string[];
  /** The older download's `diagnosis` ('' for none) and `benign_malignant`. */
  old: string;
  benignMalignant: string;
  /** The app's class, or null: left out, counted under `leftOutName`. */
  label: LesionClass | null;
}

const MELANOMA: Diagnosis[] = [
  {
    levels: ['Malignant', 'Malignant melanocytic proliferations (Melanoma)', 'Melanoma Invasive'],
    old: 'melanoma',
    benignMalignant: 'malignant',
    label: 'melanoma',
  },
  {
    levels: ['Malignant', 'Malignant melanocytic proliferations (Melanoma)', 'Melanoma in situ'],
    old: 'melanoma',
    benignMalignant: 'malignant',
    label: 'melanoma',
  },
];
const NEVUS: Diagnosis[] = [
  {
    levels: ['Benign', 'Benign melanocytic proliferations', 'Nevus'],
    old: 'nevus',
    benignMalignant: 'benign',
    label: 'nevus',
  },
];
const KERATOSIS: Diagnosis[] = [
  {
    levels: ['Benign', 'Benign epidermal proliferations', 'Seborrheic keratosis'],
    old: 'seborrheic keratosis',
    benignMalignant: 'benign',
    label: 'seborrheic_keratosis',
  },
  {
    levels: ['Benign', 'Benign epidermal proliferations', 'Pigmented benign keratosis'],
    old: 'pigmented benign keratosis',
    benignMalignant: 'benign',
    label: 'seborrheic_keratosis',
  },
];
/** Outside the three classes; left out under `levels.at(-1)` (current) or `old` (before 2025). */
export const OTHER_DIAGNOSES: Diagnosis[] = [
  {
    levels: [
      'Malignant',
      'Malignant adnexal epithelial proliferations - Follicular',
      'Basal cell carcinoma',
    ],
    old: 'basal cell carcinoma',
    benignMalignant: 'malignant',
    label: null,
  },
  {
    levels: ['Indeterminate'],
    old: 'actinic keratosis',
    benignMalignant: 'indeterminate',
    label: null,
  },
];

export interface ArchiveImage {
  id: string;
  /** `.jpg` or `.png`. */
  extension: string;
  diagnosis: Diagnosis;
  licence: (typeof LICENCES)[number];
  attribution: string;
  lesionId: string;
  patientId: string;
  age: number | null;
  sex: string;
  site: string;
  biopsy: boolean;
}

/** The name a left-out image is counted under, for this style. */
export function leftOutName(image: ArchiveImage, style: SyntheticArchiveOptions['style']): string {
  return style === 'current' ? (image.diagnosis.levels.at(-1) as string) : image.diagnosis.old;
}

const ATTRIBUTIONS = [
  'Anonymous',
  'ViDIR Group, Department of Dermatology, Medical University of Vienna',
  // Starts with @: the Archive writes a TAB before it.
  '@Synthetic Dermoscopy Clinic',
];
const SITES = ['posterior torso', 'anterior torso', 'lower extremity', 'head/neck', ''];

/** Ids (random 7-digit, sorted as the Archive lists them), diagnoses, licences, groups. */
export function planArchive(options: SyntheticArchiveOptions): ArchiveImage[] {
  const random = new Random(options.seed);
  const diagnoses: Diagnosis[] = [
    ...Array.from({ length: options.counts.nevus }, (_, i) => NEVUS[i % NEVUS.length]),
    ...Array.from({ length: options.counts.melanoma }, (_, i) => MELANOMA[i % MELANOMA.length]),
    ...Array.from(
      { length: options.counts.seborrheic_keratosis },
      (_, i) => KERATOSIS[i % KERATOSIS.length],
    ),
    ...Array.from(
      { length: options.others },
      (_, i) => OTHER_DIAGNOSES[i % OTHER_DIAGNOSES.length],
    ),
  ] as Diagnosis[];
  const ids = new Set<string>();
  while (ids.size < diagnoses.length) {
    ids.add(`ISIC_${String(Math.floor(random.uniform(0, 9_999_999))).padStart(7, '0')}`);
  }
  const shuffled = random.shuffle(diagnoses);
  return [...ids].sort().map((id, i) => {
    const r = new Random(hashString(`${options.seed}/${id}/metadata`));
    // Two images per lesion, two lesions per patient; every fifth lesion has no patient.
    const lesion = Math.floor(i / 2);
    return {
      id,
      extension: i % 7 === 3 ? '.png' : '.jpg',
      diagnosis: shuffled[i] as Diagnosis,
      licence: LICENCES[i % LICENCES.length] as (typeof LICENCES)[number],
      attribution: ATTRIBUTIONS[i % ATTRIBUTIONS.length] as string,
      lesionId: `IL_${String(1_000_000 + lesion * 37).padStart(7, '0')}`,
      patientId:
        lesion % 5 === 4
          ? ''
          : `IP_${String(2_000_000 + Math.floor(lesion / 2) * 53).padStart(7, '0')}`,
      age: r.next() < 0.1 ? null : 5 * Math.round(r.uniform(20, 85) / 5),
      sex: r.pick(['male', 'female', '']),
      site: r.pick(SITES),
      biopsy: r.next() < 0.5,
    };
  });
}

/** A CSV cell as the Archive writes it: TAB before =, -, +, @; quoted when it must be. */
export function cell(value: string): string {
  const guarded = /^[=+\-@]/.test(value) ? `\t${value}` : value;
  return /[",\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/**
 * The metadata.csv of these images: the three leading columns, then present fields by name.
 * `pixels` adds `pixels_x` and `pixels_y` (every image that size), as isic-cli writes them.
 */
export function archiveMetadataCsv(
  images: readonly ArchiveImage[],
  style: SyntheticArchiveOptions['style'],
  pixels?: { width: number; height: number },
): string {
  const rows = images.map((image) => {
    const fields: Record<string, string> = {
      ...(pixels ? { pixels_x: String(pixels.width), pixels_y: String(pixels.height) } : {}),
      age_approx: image.age === null ? '' : String(image.age),
      anatom_site_general: image.site,
      concomitant_biopsy: image.biopsy ? 'True' : 'False',
      image_type: 'dermoscopic',
      lesion_id: image.lesionId,
      patient_id: image.patientId,
      sex: image.sex,
    };
    if (style === 'current') {
      image.diagnosis.levels.forEach((level, i) => (fields[`diagnosis_${i + 1}`] = level));
      fields.diagnosis_confirm_type = image.biopsy
        ? 'histopathology'
        : 'single image expert consensus';
    } else {
      fields.diagnosis = image.diagnosis.old;
      fields.benign_malignant = image.diagnosis.benignMalignant;
      fields.melanocytic = image.diagnosis.label === 'seborrheic_keratosis' ? 'False' : 'True';
    }
    return { image, fields };
  });
  // Only the fields some image has a value for, sorted by name.
  const present = [
    ...new Set(rows.flatMap(({ fields }) => Object.keys(fields).filter((k) => fields[k] !== ''))),
  ].sort();
  const header = ['isic_id', 'attribution', 'copyright_license', ...present];
  const lines = rows.map(({ image, fields }) =>
    [image.id, image.attribution, image.licence, ...present.map((k) => fields[k] ?? '')]
      .map(cell)
      .join(','),
  );
  return csvText(header, lines);
}

/** CRLF lines, as Python's csv module writes them. */
export function csvText(header: readonly string[], lines: readonly string[]): string {
  return [header.join(','), ...lines].map((line) => `${line}\r\n`).join('');
}

/** attribution.txt: who to credit, one line each. */
export function attributionText(images: readonly { attribution: string }[]): string {
  const credits = [...new Set(images.map((i) => i.attribution))].sort();
  return credits.map((credit) => `${credit}\n`).join('');
}

const LICENCE_TEXT: Record<(typeof LICENCES)[number], string> = {
  'CC-0': 'CC0 1.0 Universal\nhttps://creativecommons.org/publicdomain/zero/1.0/legalcode\n',
  'CC-BY': 'Attribution 4.0 International\nhttps://creativecommons.org/licenses/by/4.0/legalcode\n',
  'CC-BY-NC':
    'Attribution-NonCommercial 4.0 International\nhttps://creativecommons.org/licenses/by-nc/4.0/legalcode\n',
};

/** One image's file (`ISIC_1234567.jpg` or `.png`), rendered from the seed and its id. */
export function renderArchiveImage(
  image: ArchiveImage,
  options: SyntheticArchiveOptions,
): GeneratedFile {
  const label = image.diagnosis.label ?? 'nevus';
  const lesion = renderLesion(
    label,
    options.width,
    options.height,
    hashString(`${options.seed}/${image.id}`),
  );
  const bytes =
    image.extension === '.png'
      ? encodeRgbPng(lesion.rgb, lesion.width, lesion.height)
      : encodeJpeg(lesion.rgb, lesion.width, lesion.height, options.jpegQuality);
  return { path: `${image.id}${image.extension}`, bytes };
}

/** `licenses/CC-0.txt`, `CC-BY.txt`, `CC-BY-NC.txt`. */
export function licenceFiles(): GeneratedFile[] {
  return LICENCES.map((licence) => ({
    path: `licenses/${licence}.txt`,
    bytes: utf8(LICENCE_TEXT[licence]),
  }));
}

/** Every file of the download, in the order the Archive's zip lists them. */
export function generateArchive(options: SyntheticArchiveOptions): GeneratedFile[] {
  const images = planArchive(options);
  return [
    ...images.map((image) => renderArchiveImage(image, options)),
    { path: 'metadata.csv', bytes: utf8(archiveMetadataCsv(images, options.style)) },
    { path: 'attribution.txt', bytes: utf8(attributionText(images)) },
    ...licenceFiles(),
  ];
}

function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, bitDepth: 8 });
  png.data = Buffer.from(rgb);
  return new Uint8Array(PNG.sync.write(png, { colorType: 2, inputColorType: 2, bitDepth: 8 }));
}
