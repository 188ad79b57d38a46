/**
 * Derives what the Dataset stage shows from the manifest: each usable image with its split, class
 * and mask; counts per split and class; images left out; and the problems that only show across
 * files (an image without a label row, a row without an image, a mask without an image or of
 * another size). Pure: no storage, no pixels.
 */
import { isOtherLesion } from './csv/diagnoses.ts';
import type { DatasetManifest, SourceEntry } from './manifest.ts';
import {
  assignSplits,
  isSeeded,
  OTHER_STRATUM,
  splitMethod,
  type SplitItem,
  type SplitMethod,
} from './split.ts';
import {
  CLASSES,
  SPLITS,
  type GroupKind,
  type LesionClass,
  type Problem,
  type Split,
} from './types.ts';

export interface DatasetRow {
  key: string;
  id: string;
  split: Split;
  /** null: no label row (unlabeled), or a diagnosis outside the three classes (`other`). */
  label: LesionClass | null;
  /**
   * The label file's diagnosis of an image kept for an "other" class (a definite diagnosis outside
   * the three classes, stored when the person asked); absent otherwise.
   */
  other?: string;
  /** A ground-truth mask of the image's size is stored. */
  hasMask: boolean;
  /** The image's licence from its metadata row (`CC-0`, `CC-BY`, `CC-BY-NC`), where given. */
  licence?: string;
  /** Who to credit for the image, from its metadata row, where given. */
  attribution?: string;
}

export type CountColumn = LesionClass | 'other' | 'unlabeled';
export const COUNT_COLUMNS: readonly CountColumn[] = [...CLASSES, 'other', 'unlabeled'];

export type SplitCounts = Record<CountColumn, number> & { masks: number; total: number };

export interface DatasetSummary {
  rows: DatasetRow[];
  counts: Record<Split, SplitCounts>;
  /** Images of diagnoses outside the three classes, not stored, by the label file's diagnosis. */
  leftOut: { diagnosis: string; count: number }[];
  /**
   * What each class was made of: the usable labelled images by the diagnosis their label file
   * gives (`Pigmented benign keratosis` taken as seborrheic keratosis, say), per class in class
   * order, most first.
   */
  mapping: { label: LesionClass; diagnoses: { diagnosis: string; count: number }[] }[];
  /** The images kept for an "other" class, by their label file's diagnosis, most first. */
  other: { diagnosis: string; count: number }[];
  problems: Problem[];
  /** Images an unfinished ingest did not store yet. */
  pending: number;
  /**
   * Usable images per licence (the ISIC Archive's `copyright_license`), most first; images whose
   * metadata gives none count as `not given`. Empty when no image has a licence.
   */
  licences: { licence: string; count: number }[];
  /** How the splits were made, and what kept images together where the app made them. */
  split: SplitSummary;
}

export interface SplitSummary {
  method: SplitMethod;
  /** Usable images the app split (seeded, stratified by class), rather than their folders. */
  seeded: number;
  /**
   * Of those, the images kept with the others of their lesion or patient, by which id did it;
   * `unknown` counts ids stored before their kind was recorded.
   */
  groupedBy: Record<GroupKind | 'unknown', number>;
}

/** The licence of images whose metadata names none (older manifests, other releases). */
export const NO_LICENCE = 'not given';
/** The ISIC Archive's non-commercial licence. */
export const NON_COMMERCIAL_LICENCE = 'CC-BY-NC';

/** The image's lesion or patient group: its label row's, else its metadata row's, if either. */
export function imageGroup(
  manifest: DatasetManifest,
  key: string,
): { group?: string | undefined; groupBy?: GroupKind | undefined } | undefined {
  const label = manifest.labels[key];
  return label?.group === undefined ? manifest.metadata[key] : label;
}

/** A stored image the summary lists, with its diagnosis where kept for an "other" class. */
interface UsableImage {
  key: string;
  image: SourceEntry;
  other: string | undefined;
}

export function summarize(manifest: DatasetManifest): DatasetSummary {
  const { images, masks, labels } = manifest;
  const leftOut = new Map<string, number>();
  // Each usable image, with its diagnosis where it is kept for an "other" class (decided once).
  const usable = Object.entries(images).flatMap(([key, image]): UsableImage[] => {
    const row = labels[key];
    if (!row || row.label !== null) return [{ key, image, other: undefined }];
    if (isOtherLesion(row.diagnosis)) return [{ key, image, other: row.diagnosis }];
    leftOut.set(row.diagnosis, (leftOut.get(row.diagnosis) ?? 0) + 1);
    return [];
  });
  for (const key of Object.keys(manifest.leftOut)) {
    const diagnosis = labels[key]?.diagnosis ?? 'other';
    leftOut.set(diagnosis, (leftOut.get(diagnosis) ?? 0) + 1);
  }

  const items = usable.map(({ key, image, other }) => {
    const grouped = imageGroup(manifest, key);
    return {
      key,
      split: image.folderSplit ?? labels[key]?.fileSplit ?? null,
      label: other === undefined ? (labels[key]?.label ?? null) : OTHER_STRATUM,
      group: grouped?.group,
      groupBy: grouped?.groupBy,
    };
  });
  const splits = assignSplits(items, manifest.splitSeed);

  const counts = Object.fromEntries(
    SPLITS.map((s) => [
      s,
      {
        nevus: 0,
        melanoma: 0,
        seborrheic_keratosis: 0,
        other: 0,
        unlabeled: 0,
        masks: 0,
        total: 0,
      },
    ]),
  ) as Record<Split, SplitCounts>;
  const rows: DatasetRow[] = usable.map(({ key, image, other }) => {
    const mask = masks[key];
    const { licence, attribution } = manifest.metadata[key] ?? {};
    const row: DatasetRow = {
      key,
      id: image.id,
      split: splits.get(key) ?? 'train',
      label: labels[key]?.label ?? null,
      hasMask: mask !== undefined && mask.width === image.width && mask.height === image.height,
      ...(other === undefined ? {} : { other }),
      ...(licence === undefined ? {} : { licence }),
      ...(attribution === undefined ? {} : { attribution }),
    };
    const c = counts[row.split];
    c[row.label ?? (other === undefined ? 'unlabeled' : 'other')]++;
    c.total++;
    if (row.hasMask) c.masks++;
    return row;
  });
  rows.sort((a, b) => a.key.localeCompare(b.key));

  return {
    rows,
    counts,
    mapping: classMapping(rows, manifest),
    other: byCount(rows.flatMap((row) => (row.other === undefined ? [] : [row.other]))),
    leftOut: [...leftOut.entries()]
      .map(([diagnosis, count]) => ({ diagnosis, count }))
      .sort((a, b) => b.count - a.count),
    problems: [...manifest.problems, ...crossFileProblems(manifest)],
    pending: Object.keys(manifest.pending).length,
    licences: licenceCounts(rows),
    split: splitSummary(items),
  };
}

/** Each distinct value with how often it occurs, most first (then alphabetically). */
function byCount(values: readonly string[]): { diagnosis: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()]
    .map(([diagnosis, count]) => ({ diagnosis, count }))
    .sort((a, b) => b.count - a.count || a.diagnosis.localeCompare(b.diagnosis));
}

function splitSummary(items: readonly (SplitItem & { groupBy?: GroupKind })[]): SplitSummary {
  const method = splitMethod(items);
  const groupedBy = { lesion: 0, patient: 0, unknown: 0 };
  let seeded = 0;
  for (const item of items) {
    if (!isSeeded(item, method)) continue;
    seeded++;
    if (item.group !== undefined) groupedBy[item.groupBy ?? 'unknown']++;
  }
  return { method, seeded, groupedBy };
}

function licenceCounts(rows: readonly DatasetRow[]): { licence: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const licence = row.licence ?? NO_LICENCE;
    counts.set(licence, (counts.get(licence) ?? 0) + 1);
  }
  if (counts.size === 0 || (counts.size === 1 && counts.has(NO_LICENCE))) return [];
  return [...counts.entries()]
    .map(([licence, count]) => ({ licence, count }))
    .sort((a, b) => b.count - a.count || a.licence.localeCompare(b.licence));
}

function classMapping(
  rows: readonly DatasetRow[],
  manifest: DatasetManifest,
): DatasetSummary['mapping'] {
  const byClass = new Map<LesionClass, string[]>();
  for (const row of rows) {
    const diagnosis = manifest.labels[row.key]?.diagnosis;
    if (row.label === null || diagnosis === undefined) continue;
    byClass.set(row.label, [...(byClass.get(row.label) ?? []), diagnosis]);
  }
  return CLASSES.filter((label) => byClass.has(label)).map((label) => ({
    label,
    diagnoses: byCount(byClass.get(label) ?? []),
  }));
}

function crossFileProblems(manifest: DatasetManifest): Problem[] {
  const { images, masks, labels, refused, refusedRows, leftOut, pending } = manifest;
  // Keys whose image file was seen: refused, left out, or not stored yet. Not orphans.
  const seen = (key: string) => key in refused || key in leftOut || key in pending;
  const problems: Problem[] = [];
  const imageSplits = new Set(Object.values(images).map((i) => i.folderSplit));
  const hasImages = Object.keys(images).length > 0;
  // A label file or mask folder for a split whose images were not dropped (yet) is not a problem.
  const imagesExpected = (split: Split | null) =>
    hasImages && (split === null || imageSplits.has(split));

  if (manifest.labelFiles.length > 0) {
    for (const [key, image] of Object.entries(images)) {
      if (!labels[key] && !refusedRows[key]) {
        problems.push({
          file: image.source,
          reason: `no label row for ${image.id} in the label files; counted as unlabeled`,
        });
      }
    }
  }
  for (const [key, row] of Object.entries(labels)) {
    if (row.label !== null && !images[key] && !seen(key) && imagesExpected(row.fileSplit)) {
      problems.push({ file: row.source, reason: `row ${row.id}: there is no image ${row.id}` });
    }
  }
  for (const [key, mask] of Object.entries(masks)) {
    const image = images[key];
    if (!image) {
      if (!seen(key) && imagesExpected(mask.folderSplit)) {
        problems.push({
          file: mask.source,
          reason: `a mask with no image: there is no image ${mask.id}`,
        });
      }
    } else if (image.width !== mask.width || image.height !== mask.height) {
      problems.push({
        file: mask.source,
        reason: `the mask is ${mask.width}x${mask.height} but its image ${image.id} is ${image.width}x${image.height}; the mask is not used`,
      });
    }
  }
  return problems;
}
