/**
 * Test data for the Dataset stage, generated at test time (never committed): a small synthetic
 * ISIC 2017 folder with planted bad files, and the same data as ISIC-style zips.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';
import { PNG } from 'pngjs';
import {
  generateIsic2017,
  type SyntheticIsicOptions,
} from '../../scripts/synthetic-isic/isic2017.ts';

export const FIXTURES = join(import.meta.dirname, '..', '.fixtures');
export const FOLDER = join(FIXTURES, 'isic-folder');
export const ZIPS = join(FIXTURES, 'isic-zips');

export const OPTIONS: SyntheticIsicOptions = {
  seed: 31,
  width: 96,
  height: 72,
  jpegQuality: 90,
  counts: {
    train: { nevus: 6, melanoma: 3, seborrheic_keratosis: 3 },
    val: { nevus: 2, melanoma: 1, seborrheic_keratosis: 1 },
    test: { nevus: 2, melanoma: 1, seborrheic_keratosis: 1 },
  },
};

const TRAIN = 'ISIC-2017_Training_Data';
const TRAIN_MASKS = 'ISIC-2017_Training_Part1_GroundTruth';
const TRAIN_LABELS = 'ISIC-2017_Training_Part3_GroundTruth.csv';

/** Counts the page must show for the folder with its planted files (see `plant`). */
export const EXPECTED_COUNTS = {
  train: { nevus: 5, melanoma: 3, seborrheic_keratosis: 3, unlabeled: 2, masks: 11 },
  val: { nevus: 2, melanoma: 1, seborrheic_keratosis: 1, unlabeled: 0, masks: 4 },
  test: { nevus: 2, melanoma: 1, seborrheic_keratosis: 1, unlabeled: 0, masks: 4 },
} as const;

/** One problem per planted bad file: its path ends with the key, its reason matches the value. */
export const EXPECTED_PROBLEMS: [string, RegExp][] = [
  [`${TRAIN}/ISIC_0099001.jpg`, /not a JPEG or PNG image/],
  [`${TRAIN}/ISIC_0099002.jpg`, /truncated/],
  [`${TRAIN}/notes.txt`, /not an image/],
  [`${TRAIN}/ISIC_0099003.jpg`, /no label row for ISIC_0099003/],
  [TRAIN_LABELS, /row ISIC_0099004: there is no image/],
  [TRAIN_LABELS, /row ISIC_0000001: both melanoma and seborrheic_keratosis are set/],
  [
    `${TRAIN_MASKS}/ISIC_0000002_segmentation.png`,
    /mask is 48x36 but its image ISIC_0000002 is 96x72/,
  ],
  [`${TRAIN_MASKS}/ISIC_0099005_segmentation.png`, /mask with no image/],
  ['extra/unknown.csv', /unknown CSV header: foo, bar/],
];

function write(root: string, path: string, bytes: Uint8Array | string): void {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, bytes);
}

function greyPng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.alloc(width * height, 255);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

/** The generated files plus the planted bad ones, by path. */
function files(): Map<string, Uint8Array> {
  const all = new Map(generateIsic2017(OPTIONS).map((f) => [f.path, f.bytes]));
  const image = all.get(`${TRAIN}/ISIC_0000004.jpg`) as Uint8Array;
  const text = (s: string) => new TextEncoder().encode(s);
  // ISIC_0000001 is a nevus in this seed; its row now sets both classes.
  const labels = new TextDecoder()
    .decode(all.get(TRAIN_LABELS))
    .replace(/^ISIC_0000001,0\.0,0\.0$/m, 'ISIC_0000001,1.0,1.0');
  if (!labels.includes('ISIC_0000001,1.0,1.0'))
    throw new Error('fixture: ISIC_0000001 is not a nevus');
  all.set(TRAIN_LABELS, text(`${labels}ISIC_0099004,0.0,0.0\n`));
  all.set(
    `${TRAIN}/ISIC_0099001.jpg`,
    Uint8Array.from({ length: 2000 }, (_, i) => (i * 7919) % 251),
  );
  all.set(`${TRAIN}/ISIC_0099002.jpg`, image.slice(0, Math.floor(image.length / 2)));
  all.set(`${TRAIN}/notes.txt`, text('collected on 2017-01-01\n'));
  all.set(`${TRAIN}/ISIC_0099003.jpg`, image);
  all.set(`${TRAIN_MASKS}/ISIC_0000002_segmentation.png`, greyPng(48, 36));
  all.set(`${TRAIN_MASKS}/ISIC_0099005_segmentation.png`, greyPng(96, 72));
  all.set('extra/unknown.csv', text('foo,bar\n1,2\n'));
  // Clutter that is skipped without a word.
  all.set(`${TRAIN}/ISIC_0000003_superpixels.png`, greyPng(96, 72));
  all.set(`${TRAIN}/.DS_Store`, text('\x00\x00\x00\x01Bud1'));
  return all;
}

async function zip(entries: [string, Uint8Array][]): Promise<Uint8Array> {
  const writer = new ZipWriter(new Uint8ArrayWriter());
  for (const [path, bytes] of entries) await writer.add(path, new Uint8ArrayReader(bytes));
  return writer.close();
}

/** Writes the folder and the zips (each top folder as its own zip, CSVs loose, one broken zip). */
export async function makeFixtures(): Promise<void> {
  rmSync(FIXTURES, { recursive: true, force: true });
  const all = files();
  for (const [path, bytes] of all) write(FOLDER, path, bytes);

  const byTop = new Map<string, [string, Uint8Array][]>();
  for (const [path, bytes] of all) {
    const top = path.split('/')[0] as string;
    if (path.endsWith('.csv') && !path.includes('/')) write(ZIPS, path, bytes);
    else byTop.set(top, [...(byTop.get(top) ?? []), [path, bytes]]);
  }
  for (const [top, entries] of byTop) write(ZIPS, `${top}.zip`, await zip(entries));
  write(ZIPS, 'broken.zip', 'this is not a zip archive\n');
}

export function readFixture(path: string): Buffer {
  return readFileSync(join(FOLDER, path));
}

export const HAM = join(FIXTURES, 'ham10000');

/**
 * A HAM10000-style download: images with no split folders and `HAM10000_metadata.csv`, whose `dx`
 * gives the class and whose `lesion_id` groups several photos of one lesion. 40 lesions of two
 * photos each: 20 nv, 10 mel, 6 bkl, 4 bcc (left out).
 */
export function makeHamFixture(): { lesions: number } {
  const photos = generateIsic2017({
    ...OPTIONS,
    counts: {
      train: { nevus: 2, melanoma: 1, seborrheic_keratosis: 1 },
      val: { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 },
      test: { nevus: 0, melanoma: 0, seborrheic_keratosis: 0 },
    },
  }).filter((f) => f.path.endsWith('.jpg'));
  const dx = [
    ...Array<string>(20).fill('nv'),
    ...Array<string>(10).fill('mel'),
    ...Array<string>(6).fill('bkl'),
    ...Array<string>(4).fill('bcc'),
  ];
  const rows = ['lesion_id,image_id,dx,dx_type,age,sex,localization'];
  let image = 24306;
  dx.forEach((diagnosis, lesion) => {
    for (let photo = 0; photo < 2; photo++) {
      const id = `ISIC_${String(image++).padStart(7, '0')}`;
      const part = lesion < 20 ? 'HAM10000_images_part_1' : 'HAM10000_images_part_2';
      write(
        HAM,
        `${part}/${id}.jpg`,
        (photos[image % photos.length] as { bytes: Uint8Array }).bytes,
      );
      rows.push(`HAM_${String(lesion).padStart(7, '0')},${id},${diagnosis},histo,50.0,male,back`);
    }
  });
  write(HAM, 'HAM10000_metadata.csv', rows.join('\n') + '\n');
  return { lesions: dx.length };
}
