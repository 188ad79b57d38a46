/**
 * The dataset manifest: everything known about the stored dataset except pixels. Per-image pixel
 * records live in their own stores (storage.ts); the manifest is what the page reads to show counts
 * and problems, and what training reads to find images, labels and splits.
 */
import type { LabelRow, MetadataRow, Problem, Split } from './types.ts';

export const MANIFEST_VERSION = 1;

/** The stored size of images and masks (square, pixels), unless the person picks another. */
export const DEFAULT_STORED_SIZE = 256;
export const STORED_SIZES = [128, 192, 200, 224, 256, 320, 384] as const;
/** Thumbnail edge in pixels. */
export const THUMB_SIZE = 96;

/** A stored image or mask: where it came from and its original size. */
export interface SourceEntry {
  id: string;
  /** The path it was dropped as. */
  source: string;
  /** Original width and height, before resizing to the stored size. */
  width: number;
  height: number;
  /** The split its folders named, or null. */
  folderSplit: Split | null;
}

export interface LabelEntry extends LabelRow {
  /** The label file the row came from. */
  source: string;
  /** The split the label file's name gives (`..._Training_...csv`), or null. */
  fileSplit: Split | null;
}

export interface DatasetManifest {
  version: typeof MANIFEST_VERSION;
  /** Random id given at creation; with `revision` it tells a model which data it was trained on. */
  datasetId: string;
  /**
   * Bumped when what a model learns from changes (`trainingContent`): the stored images and masks,
   * the labels, or the splits. An ingest that adds nothing leaves it, so models stay current.
   */
  revision: number;
  createdAt: string;
  updatedAt: string;
  /** Edge of the stored square images and masks. Fixed once the first image is stored. */
  storedSize: number;
  thumbSize: number;
  /** Seed of the split for images whose folders name none. */
  splitSeed: number;
  images: Record<string, SourceEntry>;
  masks: Record<string, SourceEntry>;
  labels: Record<string, LabelEntry>;
  metadata: Record<string, MetadataRow>;
  /** Image files that were refused (corrupt, truncated...), by key: their source path. */
  refused: Record<string, string>;
  /** Keys whose label row was refused: the image counts as unlabeled; the row was reported. */
  refusedRows: Record<string, string>;
  /** Images of diagnoses outside the three classes, seen but not decoded: key → source. */
  leftOut: Record<string, string>;
  /**
   * Images an ingest planned but did not reach (cancelled, disk full, page closed): key → source.
   * Their label rows and masks are not orphans; adding the same files again finishes them.
   */
  pending: Record<string, string>;
  /** Every label file read, by path. */
  labelFiles: string[];
  /** Files skipped or refused while reading them (the summary adds the cross-file problems). */
  problems: Problem[];
}

export function emptyManifest(storedSize: number, now = new Date()): DatasetManifest {
  return {
    version: MANIFEST_VERSION,
    datasetId: crypto.randomUUID(),
    revision: 0,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    storedSize,
    thumbSize: THUMB_SIZE,
    splitSeed: 2017,
    images: {},
    masks: {},
    labels: {},
    metadata: {},
    refused: {},
    refusedRows: {},
    leftOut: {},
    pending: {},
    labelFiles: [],
    problems: [],
  };
}

/**
 * The manifest's problems by file, built once per manifest object: a 30,000-file ingest checks
 * every stored file against the list, which a scan would make quadratic.
 */
const problemIndex = new WeakMap<DatasetManifest, Map<string, Set<string>>>();

function problemsByFile(manifest: DatasetManifest): Map<string, Set<string>> {
  let index = problemIndex.get(manifest);
  if (!index) {
    index = new Map();
    for (const { file, reason } of manifest.problems) {
      let reasons = index.get(file);
      if (!reasons) index.set(file, (reasons = new Set()));
      reasons.add(reason);
    }
    problemIndex.set(manifest, index);
  }
  return index;
}

/** Records a problem once (the same file and reason are not listed twice). */
export function addProblem(manifest: DatasetManifest, problem: Problem): void {
  const index = problemsByFile(manifest);
  let reasons = index.get(problem.file);
  if (!reasons) index.set(problem.file, (reasons = new Set()));
  if (reasons.has(problem.reason)) return;
  reasons.add(problem.reason);
  manifest.problems.push(problem);
}

/** A file read successfully this time loses the problems an earlier, broken copy left. */
export function clearProblemsOf(manifest: DatasetManifest, file: string): void {
  const index = problemsByFile(manifest);
  if (!index.has(file)) return;
  index.delete(file);
  manifest.problems = manifest.problems.filter((p) => p.file !== file);
}

/**
 * What a model trained on this dataset depends on, as one comparable string: the stored images and
 * masks (and their size), each image's label, and what decides the splits (folder and label-file
 * splits, lesion and patient groups, the seed). Sources, problems, refusals and other metadata
 * (age, sex, site) are left out: they change no model.
 */
export function trainingContent(manifest: DatasetManifest): string {
  const sorted = <T>(records: Record<string, T>, part: (value: T) => unknown) =>
    Object.keys(records)
      .sort()
      .map((key) => [key, part(records[key] as T)]);
  const stored = (e: SourceEntry) => [e.id, e.width, e.height, e.folderSplit];
  return JSON.stringify([
    manifest.storedSize,
    manifest.splitSeed,
    sorted(manifest.images, stored),
    sorted(manifest.masks, stored),
    sorted(manifest.labels, (l) => [l.label, l.fileSplit, l.group ?? null]),
    sorted(manifest.metadata, (m) => m.group ?? null),
  ]);
}

export function isEmpty(manifest: DatasetManifest): boolean {
  return (
    Object.keys(manifest.images).length === 0 &&
    Object.keys(manifest.masks).length === 0 &&
    Object.keys(manifest.labels).length === 0 &&
    manifest.problems.length === 0
  );
}
