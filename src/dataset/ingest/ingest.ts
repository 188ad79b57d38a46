/**
 * One ingest: dropped files in, stored dataset out. Label and metadata CSVs are read first, so
 * images of diagnoses outside the three classes need not be decoded, and so that the images of an
 * HDF5 file (ISIC 2024) can be looked up by the rows' ids; then images and masks are
 * decoded two at a time and stored, each record before the manifest that lists it. A bad file
 * becomes a problem and the rest goes on; a full disk stops the ingest with everything finished
 * kept. Runs in the ingest worker.
 */
import type { StopSignal } from '../../lib/jobs.ts';
import { parseIsicCsv } from '../csv/parseIsicCsv.ts';
import { isOtherLesion } from '../csv/diagnoses.ts';
import { displayId } from '../ids.ts';
import { classifyPath } from '../layout.ts';
import {
  addProblem,
  clearProblemsOf,
  emptyManifest,
  trainingContent,
  type DatasetManifest,
} from '../manifest.ts';
import { loadManifest, recoverOrphans, saveManifest } from '../storage.ts';
import type { Split } from '../types.ts';
import { BatchWriter, type Decoded } from './batchWriter.ts';
import { decodeImage, decodeMask } from './decode.ts';
import { DecodeError } from './imageHeader.ts';
import type { IngestParams, IngestProgress, IngestResult } from './protocol.ts';
import { hdf5Sources } from './hdf5Sources.ts';
import { expandSources, type SourceFile } from './sources.ts';

/** Decodes in flight at once: enough to keep the decoder busy while a record is written. */
const CONCURRENCY = 2;
/**
 * While decoding, the manifest is saved at most every SAVE_EVERY_MS, and with at most
 * 1 / SAVE_SHARE of the time spent saving it (always at the end). At 30,000 images it is several MB
 * that one save rewrites whole. A reload between saves loses no decoded image: every record is
 * stored with its own entry, and opening the dataset takes back those the manifest lacks.
 */
const SAVE_EVERY_MS = 10_000;
const SAVE_SHARE = 50;
const PROGRESS_EVERY_MS = 100;

interface Job {
  kind: 'image' | 'mask';
  file: SourceFile;
  key: string;
  id: string;
  split: Split | null;
}

export async function openDataset(): Promise<{ recovered: number }> {
  const manifest = await loadManifest();
  if (!manifest) return { recovered: 0 };
  const orphans = await recoverOrphans(manifest);
  const recovered = Object.keys(orphans.images).length + Object.keys(orphans.masks).length;
  if (recovered > 0) {
    Object.assign(manifest.images, orphans.images);
    for (const key of Object.keys(orphans.images)) delete manifest.pending[key];
    Object.assign(manifest.masks, orphans.masks);
    touch(manifest, true);
    await saveManifest(manifest);
  }
  return { recovered };
}

export async function runIngest(
  params: IngestParams,
  report: (progress: IngestProgress) => void,
  signal: StopSignal,
): Promise<IngestResult> {
  const started = performance.now();
  const manifest = (await loadManifest()) ?? emptyManifest(params.storedSize);
  // The stored size is fixed by the first image or mask stored; until then it is the one asked for.
  const stored = Object.keys(manifest.images).length + Object.keys(manifest.masks).length;
  if (stored === 0) manifest.storedSize = params.storedSize;
  const content = trainingContent(manifest);
  const result: IngestResult = {
    images: 0,
    masks: 0,
    labelRows: 0,
    alreadyStored: 0,
    leftOut: 0,
    other: 0,
    cancelled: false,
    seconds: 0,
  };

  report({
    phase: 'reading',
    done: 0,
    total: params.items.length,
    imagesPerSecond: 0,
    secondsLeft: null,
    current: '',
  });
  const expanded = await expandSources(params.items);
  let closeHdf5: () => void = () => undefined;
  try {
    for (const folder of params.emptyFolders)
      addProblem(manifest, { file: folder, reason: 'the folder is empty' });
    for (const problem of expanded.problems) addProblem(manifest, problem);

    const jobs: Job[] = [];
    const csvs: { file: SourceFile; split: Split | null }[] = [];
    for (const file of expanded.files) {
      const role = classifyPath(file.path);
      if (role.kind === 'csv') csvs.push({ file, split: role.split });
      else if (role.kind === 'image' || role.kind === 'mask')
        jobs.push({ kind: role.kind, file, key: role.key, id: role.id, split: role.split });
      else if (role.kind === 'unused')
        addProblem(manifest, { file: file.path, reason: role.reason });
      // 'zip' and 'hdf5' cannot occur: expandSources opened every zip and set HDF5 files apart.
    }

    for (const { file, split } of csvs) {
      result.labelRows += await readCsv(manifest, file, split);
    }

    // HDF5 images are looked up by the ids the rows give, so only after every CSV is read.
    if (expanded.hdf5.length > 0) {
      const ids = rowIds(manifest);
      const found = await hdf5Sources(expanded.hdf5, ids, signal, (looked, total, path) =>
        report({
          phase: 'reading',
          done: looked,
          total,
          imagesPerSecond: 0,
          secondsLeft: null,
          current: path,
        }),
      );
      closeHdf5 = found.close;
      // Each file's earlier problems (say, no CSV then) are replaced by what this read found.
      for (const item of expanded.hdf5) clearProblemsOf(manifest, item.path);
      for (const problem of found.problems) addProblem(manifest, problem);
      for (const image of found.images) jobs.push({ kind: 'image', ...image });
    }

    const todo = jobs.filter((job) => {
      const stored = job.kind === 'image' ? manifest.images[job.key] : manifest.masks[job.key];
      if (stored) {
        if (job.kind === 'image') delete manifest.pending[job.key];
        result.alreadyStored++;
        return false;
      }
      const row = manifest.labels[job.key];
      if (row?.label === null && !(params.keepOther === true && isOtherLesion(row.diagnosis))) {
        if (job.kind === 'image') {
          manifest.leftOut[job.key] = job.file.path;
          result.leftOut++;
        }
        return false;
      }
      return true;
    });
    for (const job of todo) if (job.kind === 'image') manifest.pending[job.key] = job.file.path;
    // Images before masks: a mask's check against its image then mostly finds the image stored.
    todo.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'image' ? -1 : 1));
    await saveManifest(manifest);

    let done = 0;
    let lastSave = performance.now();
    let saveMs = 0;
    let lastReport = 0;
    const decodeStarted = performance.now();
    const writer = new BatchWriter<Job>(({ meta: job, record }) => {
      const entry = {
        id: job.id,
        source: job.file.path,
        width: record.width,
        height: record.height,
        folderSplit: job.split,
      };
      if (job.kind === 'image') {
        manifest.images[job.key] = entry;
        delete manifest.refused[job.key];
        delete manifest.pending[job.key];
        delete manifest.leftOut[job.key];
        result.images++;
        if (manifest.labels[job.key]?.label === null) result.other++;
      } else {
        manifest.masks[job.key] = entry;
        result.masks++;
      }
      clearProblemsOf(manifest, job.file.path);
    });
    await runPool(todo, CONCURRENCY, signal, async (job) => {
      const decoded = await decodeFile(manifest, job);
      if (decoded) await writer.add(decoded);
      done++;
      const now = performance.now();
      if (now - lastSave > Math.max(SAVE_EVERY_MS, SAVE_SHARE * saveMs)) {
        await saveManifest(manifest);
        lastSave = performance.now();
        saveMs = lastSave - now;
      }
      if (now - lastReport > PROGRESS_EVERY_MS || done === todo.length) {
        lastReport = now;
        const rate = done / Math.max(1e-3, (now - decodeStarted) / 1000);
        report({
          phase: 'decoding',
          done,
          total: todo.length,
          imagesPerSecond: rate,
          secondsLeft: done > 0 ? (todo.length - done) / rate : null,
          current: job.file.path,
        });
      }
    }).finally(() => writer.close());
    result.cancelled = signal.stopped;
  } finally {
    touch(manifest, trainingContent(manifest) !== content);
    await saveManifest(manifest);
    closeHdf5();
    await expanded.close();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/**
 * The image ids of every label and metadata row, each once (the ids HDF5 images go by); a refused
 * row's image is looked up too, and stored unlabeled, as its file would be from a folder.
 */
function rowIds(manifest: DatasetManifest): string[] {
  const ids = new Map<string, string>();
  for (const rows of [manifest.labels, manifest.metadata]) {
    for (const [key, row] of Object.entries(rows)) if (!ids.has(key)) ids.set(key, row.id);
  }
  for (const key of Object.keys(manifest.refusedRows)) {
    if (!ids.has(key)) ids.set(key, displayId(key));
  }
  return [...ids.values()];
}

/** Reads one CSV into the manifest; returns the number of label rows taken. */
async function readCsv(
  manifest: DatasetManifest,
  file: SourceFile,
  split: Split | null,
): Promise<number> {
  let text: string;
  try {
    text = await (await file.read()).text();
  } catch (error) {
    addProblem(manifest, {
      file: file.path,
      reason: `the file could not be read (${String(error)})`,
    });
    return 0;
  }
  const parsed = parseIsicCsv(file.path, text);
  clearProblemsOf(manifest, file.path);
  for (const problem of parsed.problems) {
    addProblem(manifest, problem);
    if (problem.key) manifest.refusedRows[problem.key] = file.path;
  }
  if (parsed.format === null) return 0;
  for (const row of parsed.labels) {
    manifest.labels[row.key] = { ...row, source: file.path, fileSplit: split };
    delete manifest.refusedRows[row.key];
  }
  for (const row of parsed.metadata) {
    manifest.metadata[row.key] = { ...manifest.metadata[row.key], ...row };
  }
  if (parsed.labels.length > 0 && !manifest.labelFiles.includes(file.path)) {
    manifest.labelFiles.push(file.path);
  }
  return parsed.labels.length;
}

/** Decodes one image or mask to the stored size; a bad file becomes a problem (and null). */
async function decodeFile(manifest: DatasetManifest, job: Job): Promise<Decoded<Job> | null> {
  const { storedSize: size, thumbSize } = manifest;
  const path = job.file.path;
  const source = { id: job.id, source: path, folderSplit: job.split, key: job.key, size };
  try {
    const blob = await job.file.read();
    if (job.kind === 'image') {
      const { pixels, thumb, width, height } = await decodeImage(blob, size, thumbSize);
      return { kind: 'images', record: { ...source, width, height, pixels }, thumb, meta: job };
    }
    const { pixels, thumb, width, height } = await decodeMask(blob, size, thumbSize);
    return { kind: 'masks', record: { ...source, width, height, pixels }, thumb, meta: job };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    addProblem(manifest, {
      file: path,
      reason: job.kind === 'mask' ? `mask: ${error.message}` : error.message,
    });
    if (job.kind === 'image') {
      manifest.refused[job.key] = path;
      delete manifest.pending[job.key];
    }
    return null;
  }
}

/** Runs `work` over `items`, `concurrency` at a time, until done or cancelled. */
async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  signal: StopSignal,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (!signal.stopped && next < items.length) {
      await work(items[next++] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
}

/** Marks the manifest saved now; `changed`: what a model learns from changed (a new revision). */
function touch(manifest: DatasetManifest, changed: boolean): void {
  if (changed) manifest.revision++;
  manifest.updatedAt = new Date().toISOString();
}
