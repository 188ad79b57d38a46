/**
 * Diagnoses to classes, shared by the ISIC Archive (`diagnosis_1` … `diagnosis_5`), ISIC 2024
 * (`iddx_1` … `iddx_5`) and the single-word diagnoses of ISIC 2020 and older Archive downloads.
 * The hierarchical levels are checked against the ISIC diagnosis taxonomy (2024) down to the
 * second level, so a misspelt or invented category is named rather than silently left out.
 * docs/formats.md has the mapping table.
 */
import type { LesionClass } from '../types.ts';

/** The taxonomy's first two levels, as the ISIC Archive spells them. */
const TAXONOMY: Readonly<Record<string, readonly string[]>> = {
  Benign: [
    'Benign - Other',
    'Benign adnexal epithelial proliferations - Apocrine or Eccrine',
    'Benign adnexal epithelial proliferations - Follicular',
    'Benign adnexal epithelial proliferations - Sebaceous',
    'Benign epidermal proliferations',
    'Benign melanocytic proliferations',
    'Benign soft tissue proliferations - Adipocytic',
    'Benign soft tissue proliferations - Cartilagenous and ossifying',
    'Benign soft tissue proliferations - Fibro-histiocytic',
    'Benign soft tissue proliferations - Muscle tissue or myofibroblastic',
    'Benign soft tissue proliferations - Myoepithelial',
    'Benign soft tissue proliferations - Neural',
    'Benign soft tissue proliferations - Vascular',
    'Collision - Only benign proliferations',
    'Cysts',
    'Exogenous',
    'Flat melanotic pigmentations - not melanocytic nevus',
    'Hemorrhagic lesions',
    'Inflammatory or infectious diseases',
    'Langerhans cell proliferations',
    'Mast cell proliferations',
  ],
  Indeterminate: [
    'Indeterminate epidermal proliferations',
    'Indeterminate melanocytic proliferations',
  ],
  Malignant: [
    'Collision - At least one malignant proliferation',
    'Lymphocytic proliferations - B-Cell',
    'Lymphocytic proliferations - T-Cell/NK',
    'Malignant adnexal epithelial proliferations - Apocrine or Eccrine',
    'Malignant adnexal epithelial proliferations - Follicular',
    'Malignant adnexal epithelial proliferations - Sebaceous',
    'Malignant epidermal proliferations',
    'Malignant melanocytic proliferations (Melanoma)',
    'Malignant soft tissue proliferations - Adipocytic',
    'Malignant soft tissue proliferations - Cartilagenous and ossifying',
    'Malignant soft tissue proliferations - Fibro-histiocytic',
    'Malignant soft tissue proliferations - Muscle tissue or myofibroblastic',
    'Malignant soft tissue proliferations - Myoepithelial',
    'Malignant soft tissue proliferations - Neural',
    'Malignant soft tissue proliferations - Unknown or other histiogenesis',
    'Malignant soft tissue proliferations - Vascular',
    'Merkel cell proliferation',
    'Skin metastasis of internal solid cancer - non-hematological',
  ],
};

const lower = (text: string) => text.toLowerCase();
const FIRST_LEVEL = new Map(Object.keys(TAXONOMY).map((name) => [lower(name), name]));
const SECOND_LEVEL = new Map(
  Object.entries(TAXONOMY).map(([first, seconds]) => [lower(first), new Set(seconds.map(lower))]),
);

const MELANOMA_2 = 'malignant melanocytic proliferations (melanoma)';
const BENIGN_MELANOCYTIC_2 = 'benign melanocytic proliferations';
const BENIGN_EPIDERMAL_2 = 'benign epidermal proliferations';

/**
 * The benign keratosis-like lesions, taken as seborrheic keratosis as the app takes ISIC 2018 and
 * 2019's BKL and HAM10000's bkl (which are exactly these): pigmented benign keratosis, solar
 * lentigo and lichen planus-like keratosis, as the 2024 taxonomy's third level names them and as
 * the single-word diagnoses of ISIC 2020 and older Archive downloads do.
 */
const BENIGN_KERATOSIS_LIKE = new Set([
  'seborrheic keratosis',
  'pigmented benign keratosis',
  'solar lentigo',
  'lichen planus like keratosis',
  'lichenoid keratosis',
]);

/**
 * The class of a row's diagnosis levels (first to fifth, '' where absent): null is a diagnosis
 * outside the three classes (left out), `refused` a level the taxonomy does not have. `columns`
 * names the levels' columns for the reason (`diagnosis_1` … or `iddx_1` …).
 */
export function hierarchicalClass(
  levels: readonly string[],
  columns: readonly string[],
): { label: LesionClass | null } | { refused: string } {
  const [first = '', second = '', third = ''] = levels.map(lower);
  if (first !== '' && !FIRST_LEVEL.has(first)) {
    return {
      refused: `${columns[0]} is "${levels[0]}", which is not a first level of the ISIC diagnosis taxonomy (Benign, Malignant, Indeterminate)`,
    };
  }
  if (second !== '' && !SECOND_LEVEL.get(first)?.has(second)) {
    const parent = FIRST_LEVEL.get(first);
    return {
      refused:
        `${columns[1]} is "${levels[1]}", which the ISIC diagnosis taxonomy does not have` +
        (parent === undefined ? '' : ` under "${parent}"`),
    };
  }
  if (second === MELANOMA_2) return { label: 'melanoma' };
  if (second === BENIGN_MELANOCYTIC_2 && third === 'nevus') return { label: 'nevus' };
  // Solar lentigo and the keratoses sit under "Benign epidermal proliferations"; a collision
  // ("Collision - …" at the second level) has no single class and stays left out.
  if (second === BENIGN_EPIDERMAL_2 && BENIGN_KERATOSIS_LIKE.has(third)) {
    return { label: 'seborrheic_keratosis' };
  }
  return { label: null };
}

/** A single-word diagnosis (ISIC 2020, Archive downloads before 2025) to a class, or null. */
export function flatClass(diagnosis: string): LesionClass | null {
  const word = lower(diagnosis);
  if (word === 'melanoma') return 'melanoma';
  if (word === 'nevus') return 'nevus';
  return BENIGN_KERATOSIS_LIKE.has(word) ? 'seborrheic_keratosis' : null;
}

/**
 * Diagnoses outside the three classes that still name no definite kind of lesion: a row that
 * gives only benign or malignant, an unknown or indeterminate one, or a group that holds one of the
 * three classes further down (a benign melanocytic proliferation may be a nevus).
 */
const NOT_A_KIND = new Set([
  'no diagnosis',
  'unknown',
  'unk',
  'other',
  'benign',
  'malignant',
  'indeterminate',
  'atypical melanocytic proliferation',
  BENIGN_MELANOCYTIC_2,
  BENIGN_EPIDERMAL_2,
]);

/**
 * Whether a diagnosis outside the three classes names a definite other kind of lesion (basal cell
 * carcinoma, actinic keratosis, dermatofibroma, a vascular lesion…): the images a classifier may
 * learn as an "other" class. Collisions and indeterminate lesions are not.
 */
export function isOtherLesion(diagnosis: string): boolean {
  const word = lower(diagnosis.trim());
  if (word === '' || NOT_A_KIND.has(word)) return false;
  return !word.startsWith('collision') && !word.startsWith('indeterminate');
}
