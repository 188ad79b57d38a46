/**
 * Lays synthetic lesions out exactly as the ISIC 2017 challenge distributes its data:
 *
 *   ISIC-2017_Training_Data/ISIC_0000000.jpg
 *   ISIC-2017_Training_Data/ISIC-2017_Training_Data_metadata.csv   image_id,age_approximate,sex
 *   ISIC-2017_Training_Part1_GroundTruth/ISIC_0000000_segmentation.png   8-bit grey, 0 / 255
 *   ISIC-2017_Training_Part3_GroundTruth.csv   image_id,melanoma,seborrheic_keratosis (0.0 / 1.0)
 *
 * and the same for Validation and Test_v2. Each image is rendered from its own seed (derived from the
 * dataset seed and the image id), so the output is byte-for-byte reproducible.
 */
import { PNG } from 'pngjs';
import { Random, hashString } from '../../src/lib/random.ts';
import { CLASSES, SPLITS, type LesionClass, type Split } from '../../src/dataset/types.ts';
import { encodeRgbaJpeg } from './jpeg.ts';
import { renderLesion } from './render.ts';

/** The folder-name part ISIC 2017 uses for each split. */
export const ISIC2017_SPLIT_NAME: Record<Split, string> = {
  train: 'Training',
  val: 'Validation',
  test: 'Test_v2',
};

/** Number of images of each class in one split. */
export type ClassCounts = Record<LesionClass, number>;

export interface SyntheticIsicOptions {
  /** Seed for everything: ids, class order, every pixel. */
  seed: number;
  /** Image width in pixels (ISIC photos are landscape, about 4:3). */
  width: number;
  /** Image height in pixels. */
  height: number;
  /** Images per split and class. */
  counts: Record<Split, ClassCounts>;
  /** JPEG quality, 1..100. */
  jpegQuality: number;
}

export const DEFAULT_OPTIONS: SyntheticIsicOptions = {
  seed: 2017,
  width: 256,
  height: 192,
  // The ISIC 2017 class proportions, scaled down.
  counts: {
    train: { nevus: 69, melanoma: 19, seborrheic_keratosis: 12 },
    val: { nevus: 10, melanoma: 4, seborrheic_keratosis: 6 },
    test: { nevus: 20, melanoma: 6, seborrheic_keratosis: 4 },
  },
  jpegQuality: 90,
};

export interface SyntheticImage {
  id: string;
  split: Split;
  label: LesionClass;
}

export interface GeneratedFile {
  /** Path relative to the dataset root, with forward slashes. */
  path: string;
  bytes: Uint8Array;
}

/** Assigns ids and classes: ids run across splits like ISIC's, classes shuffled within a split. */
export function planImages(options: SyntheticIsicOptions): SyntheticImage[] {
  const random = new Random(options.seed);
  const images: SyntheticImage[] = [];
  let next = 0;
  for (const split of SPLITS) {
    const labels = CLASSES.flatMap((c) => Array<LesionClass>(options.counts[split][c]).fill(c));
    for (const label of random.shuffle(labels)) {
      images.push({ id: `ISIC_${String(next++).padStart(7, '0')}`, split, label });
    }
  }
  return images;
}

/** Produces every file of the dataset in memory, in a stable order. */
export function generateIsic2017(options: SyntheticIsicOptions): GeneratedFile[] {
  const images = planImages(options);
  const files: GeneratedFile[] = [];
  for (const split of SPLITS) {
    const name = ISIC2017_SPLIT_NAME[split];
    const inSplit = images.filter((image) => image.split === split);
    for (const image of inSplit) {
      const lesion = renderLesion(
        image.label,
        options.width,
        options.height,
        hashString(`${options.seed}/${image.id}`),
      );
      files.push({
        path: `ISIC-2017_${name}_Data/${image.id}.jpg`,
        bytes: encodeJpeg(lesion.rgb, lesion.width, lesion.height, options.jpegQuality),
      });
      files.push({
        path: `ISIC-2017_${name}_Part1_GroundTruth/${image.id}_segmentation.png`,
        bytes: encodeGreyPng(lesion.mask, lesion.width, lesion.height),
      });
    }
    files.push({
      path: `ISIC-2017_${name}_Data/ISIC-2017_${name}_Data_metadata.csv`,
      bytes: utf8(metadataCsv(inSplit, options.seed)),
    });
    files.push({
      path: `ISIC-2017_${name}_Part3_GroundTruth.csv`,
      bytes: utf8(labelsCsv(inSplit)),
    });
  }
  return files;
}

/** `image_id,melanoma,seborrheic_keratosis` with 0.0 / 1.0 values; both 0 means nevus. */
export function labelsCsv(images: readonly SyntheticImage[]): string {
  const rows = images.map(
    (image) =>
      `${image.id},${image.label === 'melanoma' ? '1.0' : '0.0'},${image.label === 'seborrheic_keratosis' ? '1.0' : '0.0'}`,
  );
  return ['image_id,melanoma,seborrheic_keratosis', ...rows].join('\n') + '\n';
}

/** `image_id,age_approximate,sex`; ages in steps of 5, older for melanoma and SK; some unknown. */
export function metadataCsv(images: readonly SyntheticImage[], seed: number): string {
  const rows = images.map((image) => {
    const random = new Random(hashString(`${seed}/${image.id}/metadata`));
    const [lo, hi] =
      image.label === 'nevus' ? [15, 55] : image.label === 'melanoma' ? [35, 85] : [45, 85];
    const age =
      random.next() < 0.05 ? 'unknown' : String(5 * Math.round(random.uniform(lo, hi) / 5));
    const sex = random.next() < 0.05 ? 'unknown' : random.pick(['male', 'female']);
    return `${image.id},${age},${sex}`;
  });
  return ['image_id,age_approximate,sex', ...rows].join('\n') + '\n';
}

export function encodeJpeg(
  rgb: Uint8Array,
  width: number,
  height: number,
  quality: number,
): Uint8Array {
  const rgba = Buffer.alloc(width * height * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i] as number;
    rgba[j + 1] = rgb[i + 1] as number;
    rgba[j + 2] = rgb[i + 2] as number;
    rgba[j + 3] = 255;
  }
  return encodeRgbaJpeg({ data: rgba, width, height }, quality);
}

/** An 8-bit single-channel PNG, as ISIC ships its masks. */
function encodeGreyPng(grey: Uint8Array, width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.from(grey);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
