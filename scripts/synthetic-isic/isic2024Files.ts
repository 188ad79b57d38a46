/**
 * Renders and writes the synthetic ISIC 2024 dataset planned in isic2024.ts: train-metadata.csv with
 * train-image.hdf5 and/or train-image/image/, or the challenge bucket's three files. Each image is
 * rendered once, as a small square crop, and written before the next is drawn (HDF5 datasets go
 * to disk one by one), so tens of thousands of images need no more memory than a few.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';
import { hashString } from '../../src/lib/random.ts';
import type { LesionClass } from '../../src/dataset/types.ts';
import { encodeJpeg, utf8, type GeneratedFile } from './isic2017.ts';
import { Hdf5BytesWriter, hdf5Bytes } from './hdf5.ts';
import {
  planIsic2024,
  type Isic2024Plan,
  type Isic2024Row,
  type SyntheticIsic2024Options,
} from './isic2024.ts';
import {
  isic2024ChallengeMetadataCsv,
  isic2024GroundTruthCsv,
  isic2024MetadataCsv,
  isic2024SupplementCsv,
} from './isic2024Csv.ts';
import { renderLesion } from './render.ts';

/** What the corrupt-JPEG quirk stores instead of an image. */
export const CORRUPT_JPEG = utf8('This is not a JPEG: the tile was lost in transfer.\n');

/** The look a row is drawn with: its class, melanoma for other malignancies, else nevus. */
function look(row: Isic2024Row): LesionClass {
  return row.diagnosis.label ?? (row.diagnosis.target === 1 ? 'melanoma' : 'nevus');
}

/** The images in `plan.images` order, rendered one at a time: [isic_id, JPEG bytes]. */
export function* isic2024Images(
  options: SyntheticIsic2024Options,
  plan: Isic2024Plan = planIsic2024(options),
): Generator<[string, Uint8Array]> {
  const looks = new Map(plan.rows.map((row) => [row.id, look(row)]));
  for (const id of plan.images) {
    if (id === plan.corruptImage) {
      yield [id, CORRUPT_JPEG];
      continue;
    }
    const lesion = renderLesion(
      looks.get(id) ?? 'nevus',
      options.size,
      options.size,
      hashString(`${options.seed}/${id}`),
    );
    yield [id, encodeJpeg(lesion.rgb, lesion.width, lesion.height, options.jpegQuality)];
  }
}

/** train-image.hdf5 as bytes (written through a temporary file): for tests and fixtures. */
export function isic2024Hdf5(options: SyntheticIsic2024Options): Promise<Uint8Array> {
  return hdf5Bytes(isic2024Images(options));
}

export interface Isic2024Outputs {
  /** train-image.hdf5. */
  hdf5: boolean;
  /** train-image/image/ISIC_*.jpg. */
  folder: boolean;
}

/**
 * Writes train-metadata.csv and train-image.hdf5 and/or train-image/image/ into `dir` (replacing
 * what was there). Returns the paths written and the bytes of each.
 */
export async function writeIsic2024(
  dir: string,
  options: SyntheticIsic2024Options,
  outputs: Isic2024Outputs = { hdf5: true, folder: true },
): Promise<{ images: number; files: Record<string, number> }> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const plan = planIsic2024(options);
  const files: Record<string, number> = {};
  const metadata = utf8(isic2024MetadataCsv(plan, options.seed));
  writeFileSync(join(dir, 'train-metadata.csv'), metadata);
  files['train-metadata.csv'] = metadata.length;
  const folder = join(dir, 'train-image', 'image');
  if (outputs.folder) mkdirSync(folder, { recursive: true });
  const hdf5Path = join(dir, 'train-image.hdf5');
  const writer = outputs.hdf5 ? await Hdf5BytesWriter.create(hdf5Path) : null;
  let images = 0;
  let folderBytes = 0;
  try {
    for (const [id, bytes] of isic2024Images(options, plan)) {
      writer?.add(id, bytes);
      if (outputs.folder) {
        writeFileSync(join(folder, `${id}.jpg`), bytes);
        folderBytes += bytes.length;
      }
      images++;
    }
  } finally {
    writer?.close();
  }
  if (outputs.hdf5) files['train-image.hdf5'] = statSync(hdf5Path).size;
  if (outputs.folder) files['train-image/image/'] = folderBytes;
  return { images, files };
}

/**
 * The challenge bucket's files: ISIC_2024_Training_Input.zip (the images and an Archive-style
 * metadata.csv without diagnoses under ISIC_2024_Training_Input/), the ground truth and the
 * supplement CSVs.
 */
export async function generateIsic2024Challenge(
  options: SyntheticIsic2024Options,
): Promise<GeneratedFile[]> {
  const plan = planIsic2024(options);
  const zip = new ZipWriter(new Uint8ArrayWriter(), {
    lastModDate: new Date(Date.UTC(2024, 5, 26)),
    extendedTimestamp: false,
    useWebWorkers: false,
  });
  const folder = 'ISIC_2024_Training_Input';
  for (const [id, bytes] of isic2024Images(options, plan)) {
    await zip.add(`${folder}/${id}.jpg`, new Uint8ArrayReader(bytes));
  }
  const metadata = utf8(isic2024ChallengeMetadataCsv(plan, options.seed));
  await zip.add(`${folder}/metadata.csv`, new Uint8ArrayReader(metadata));
  return [
    { path: `${folder}.zip`, bytes: await zip.close() },
    { path: 'ISIC_2024_Training_GroundTruth.csv', bytes: utf8(isic2024GroundTruthCsv(plan)) },
    {
      path: 'ISIC_2024_Training_Supplement.csv',
      bytes: utf8(isic2024SupplementCsv(plan, options.seed)),
    },
  ];
}
