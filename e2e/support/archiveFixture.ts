/**
 * An ISIC Archive gallery zip for the Dataset stage, generated at test time (never committed): the
 * synthetic Archive download (scripts/synthetic-isic/archive.ts) in both CSV styles, with a TIFF
 * and an unfinished isic-cli file planted beside the images. What the page must show is derived
 * from the same plan.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  generateArchive,
  leftOutName,
  planArchive,
  type SyntheticArchiveOptions,
} from '../../scripts/synthetic-isic/archive.ts';
import { zipFiles } from '../../scripts/synthetic-isic/write.ts';
import { CLASSES } from '../../src/dataset/types.ts';
import { FIXTURES } from './isicFixture.ts';

export const ARCHIVE = join(FIXTURES, 'isic-archive');
export const TIFF = 'ISIC_9999999.tif';

export const ARCHIVE_OPTIONS: SyntheticArchiveOptions = {
  seed: 22,
  width: 64,
  height: 48,
  jpegQuality: 90,
  counts: { nevus: 6, melanoma: 4, seborrheic_keratosis: 3 },
  others: 5,
  style: 'current',
};

export const zipName = (style: SyntheticArchiveOptions['style']) => `isic-gallery-${style}.zip`;

/** Writes one gallery zip per CSV style. */
export async function makeArchiveFixtures(): Promise<void> {
  mkdirSync(ARCHIVE, { recursive: true });
  for (const style of ['current', 'before-2025'] as const) {
    const files = generateArchive({ ...ARCHIVE_OPTIONS, style });
    const bytes = await zipFiles([
      ...files,
      { path: TIFF, bytes: new Uint8Array([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]) },
      { path: '.isic-partial.ISIC_9999998.jpg', bytes: new Uint8Array([0xff, 0xd8]) },
    ]);
    writeFileSync(join(ARCHIVE, zipName(style)), bytes);
  }
}

/**
 * What the page must show for a style: images per class, left out per diagnosis, licences, and
 * each usable image's licence and attribution (its gallery tile shows them).
 */
export function expectedArchive(style: SyntheticArchiveOptions['style']) {
  const plan = planArchive({ ...ARCHIVE_OPTIONS, style });
  const perClass = Object.fromEntries(
    CLASSES.map((c) => [c, plan.filter((i) => i.diagnosis.label === c).length]),
  );
  const leftOut = new Map<string, number>();
  const licences = new Map<string, number>();
  for (const image of plan) {
    if (image.diagnosis.label === null) {
      const name = leftOutName(image, style);
      leftOut.set(name, (leftOut.get(name) ?? 0) + 1);
    } else {
      licences.set(image.licence, (licences.get(image.licence) ?? 0) + 1);
    }
  }
  const licenceText = [...licences.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([licence, count]) => `${licence} ${count}`)
    .join(', ');
  // Each image is grouped by its patient, or by its lesion where metadata.csv gives no patient.
  const usable = plan.filter((image) => image.diagnosis.label !== null);
  const byPatient = usable.filter((image) => image.patientId !== '').length;
  const grouping = byPatient === usable.length ? 'patient' : byPatient === 0 ? 'lesion' : 'mixed';
  return {
    perClass,
    leftOut,
    licenceText,
    credits: usable.map(({ id, licence, attribution }) => ({ id, licence, attribution })),
    nonCommercial: licences.get('CC-BY-NC') ?? 0,
    grouping,
    /** The id that groups each usable image: its patient's, else its lesion's. */
    groupOf: new Map(usable.map((image) => [image.id, image.patientId || image.lesionId])),
  };
}
