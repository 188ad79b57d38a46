/**
 * Import, in two steps. `checkBackup` reads the whole file and writes nothing: the header (format,
 * version), every chunk's CRC-32 (zip.js), every chunk's decoding, every key, and the counts
 * against the header. `restoreBackup` then replaces this browser's Lesion Lab data with it.
 *
 * What is guaranteed:
 * - A file that is damaged, foreign, of a newer format, or larger than the room the browser gives
 *   the site is refused with the reason, and nothing in the browser changes.
 * - Otherwise the old data is deleted and the backup written, the dataset's manifest last. If a
 *   write fails on the way (the disk fills despite the estimate, the file becomes unreadable), the
 *   partial import is deleted too and the error says so: the browser is then left with no Lesion
 *   Lab dataset or runs (the backup file itself is untouched; import it again). There is no way
 *   back to the old data then: keeping it until the new data is written would need room for both.
 * - If the page closes while writing, a mark (marker.ts) stays, and the page says on the next
 *   visit that the import did not finish.
 */
import {
  BlobReader,
  ERR_INVALID_CRC32,
  TextWriter,
  Uint8ArrayWriter,
  ZipReader,
  configure,
  type Entry,
  type FileEntry,
} from '@zip.js/zip.js';
import { clear, del, set } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import { decodeChunk, type StoredRecord } from './codec.ts';
import type { StopSignal } from '../lib/jobs.ts';
import { BackupCancelled } from './exportBackup.ts';
import { BackupRefused, HEADER_NAME, chunkName, parseHeader, type BackupHeader } from './format.ts';
import { IMPORT_MARKER_KEY, type ImportMarker } from './marker.ts';
import {
  SECTIONS,
  belongs,
  clearSection,
  putRecords,
  sectionById,
  type Section,
} from './sections.ts';

// zip.js would start workers of its own (from blob: URLs); this already runs in one.
configure({ useWebWorkers: false });

export interface ImportProgress {
  phase: 'check' | 'write';
  /** Bytes of chunks read, of `total`. */
  done: number;
  total: number;
}

export interface CheckedBackup {
  file: Blob;
  header: BackupHeader;
}

export class BackupWriteFailed extends Error {
  override name = 'BackupWriteFailed';
}

const isFile = (entry: Entry): entry is FileEntry => !entry.directory;

function formatBytes(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`;
}

/** The zip's files by name, and the header read from it; refusals name why. */
async function openBackup(file: Blob): Promise<{
  reader: ZipReader<unknown>;
  entries: Map<string, FileEntry>;
  header: BackupHeader;
}> {
  const reader = new ZipReader(new BlobReader(file));
  let list: Entry[];
  try {
    list = await reader.getEntries();
  } catch (error) {
    await reader.close().catch(() => undefined);
    throw new BackupRefused(
      `This file is not a Lesion Lab backup: it is not a zip archive, or a damaged one (${(error as Error).message}).`,
    );
  }
  const entries = new Map(list.filter(isFile).map((entry) => [entry.filename, entry]));
  try {
    const headerEntry = entries.get(HEADER_NAME);
    if (!headerEntry) {
      throw new BackupRefused(
        `This file is not a Lesion Lab backup: it has no ${HEADER_NAME} (a zip of other files).`,
      );
    }
    const text = await readEntry<string>(headerEntry, new TextWriter());
    const header = parseHeader(text, (id) => sectionById(id) !== undefined);
    for (const name of entries.keys()) {
      if (name === HEADER_NAME) continue;
      const match = /^stores\/([^/]+)\/(\d{6})\.bin$/.exec(name);
      const section = match ? header.sections[match[1] as string] : undefined;
      if (!match || !section || Number(match[2]) >= section.chunks) {
        throw new BackupRefused(`The backup holds a file its header does not list: ${name}.`);
      }
    }
    return { reader, entries, header };
  } catch (error) {
    await reader.close().catch(() => undefined);
    throw error;
  }
}

/** An entry's data with its CRC-32 checked; a mismatch is refused with the entry's name. */
async function readEntry<T extends string | Uint8Array>(
  entry: FileEntry,
  writer: TextWriter | Uint8ArrayWriter,
): Promise<T> {
  try {
    return (await entry.getData(writer, { checkCrc32: true })) as T;
  } catch (error) {
    const message = (error as Error).message;
    if (message === ERR_INVALID_CRC32) {
      throw new BackupRefused(
        `The backup is damaged: ${entry.filename} does not match its checksum (CRC-32).`,
      );
    }
    throw new BackupRefused(
      `The backup is damaged: ${entry.filename} could not be read (${message}).`,
    );
  }
}

/** One chunk's records, checked against the section they are to be written to. */
async function readChunk(
  entries: Map<string, FileEntry>,
  section: Section,
  index: number,
): Promise<{ records: StoredRecord[]; bytes: number }> {
  const name = chunkName(section.id, index);
  const entry = entries.get(name);
  if (!entry) throw new BackupRefused(`The backup is incomplete: ${name} is missing.`);
  const data = await readEntry<Uint8Array>(entry, new Uint8ArrayWriter());
  let records: StoredRecord[];
  try {
    records = decodeChunk(data);
  } catch (error) {
    throw new BackupRefused(
      `The backup is damaged: ${name} could not be decoded (${(error as Error).message}).`,
    );
  }
  for (const { key, value } of records) {
    const inline =
      section.keyPath === null ||
      (typeof value === 'object' &&
        value !== null &&
        (value as Record<string, unknown>)[section.keyPath] === key);
    if (!belongs(section, key) || section.skipKey(key) || !inline) {
      throw new BackupRefused(
        `The backup is damaged: ${name} holds a record that does not belong in ${section.id} ` +
          `(${JSON.stringify(key)}).`,
      );
    }
  }
  return { records, bytes: data.length };
}

/** The sections a backup holds, in the order they are written. */
function sectionsOf(header: BackupHeader): Section[] {
  return SECTIONS.filter((section) => header.sections[section.id] !== undefined);
}

export interface CheckOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: StopSignal;
}

/** Reads and checks the whole backup; writes nothing. */
export async function checkBackup(file: Blob, options: CheckOptions = {}): Promise<CheckedBackup> {
  const { reader, entries, header } = await openBackup(file);
  try {
    const progress: ImportProgress = { phase: 'check', done: 0, total: header.totals.bytes };
    for (const section of sectionsOf(header)) {
      const expected = header.sections[section.id] as BackupHeader['sections'][string];
      let records = 0;
      let bytes = 0;
      for (let i = 0; i < expected.chunks; i++) {
        if (options.signal?.stopped) throw new BackupCancelled();
        const chunk = await readChunk(entries, section, i);
        records += chunk.records.length;
        bytes += chunk.bytes;
        progress.done += chunk.bytes;
        options.onProgress?.({ ...progress });
      }
      if (records !== expected.records || bytes !== expected.bytes) {
        throw new BackupRefused(
          `The backup is damaged: ${section.id} holds ${records} records (${bytes} bytes) where ` +
            `its header says ${expected.records} (${expected.bytes} bytes).`,
        );
      }
    }
    return { file, header };
  } finally {
    await reader.close().catch(() => undefined);
  }
}

export interface RestoreOptions {
  onProgress?: (progress: ImportProgress) => void;
  /** The site's storage use and quota; by default `navigator.storage.estimate()`. */
  estimate?: () => Promise<{ usage: number; quota: number } | undefined>;
  now?: () => Date;
}

export interface RestoreResult {
  records: number;
  bytes: number;
}

async function browserEstimate(): Promise<{ usage: number; quota: number } | undefined> {
  if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return undefined;
  const { usage = 0, quota = 0 } = await navigator.storage.estimate();
  return { usage, quota };
}

/** Every record an import replaces: the backed-up sections and the features computed from runs. */
async function clearAll(): Promise<void> {
  for (const section of SECTIONS) await clearSection(section);
  await clear(store('features'));
}

/**
 * Replaces this browser's Lesion Lab data with a checked backup (see the module's comment for what
 * happens when it fails).
 */
export async function restoreBackup(
  checked: CheckedBackup,
  options: RestoreOptions = {},
): Promise<RestoreResult> {
  const { header } = checked;
  const space = await (options.estimate ?? browserEstimate)();
  if (space && space.quota > 0 && header.totals.bytes > space.quota - space.usage) {
    throw new BackupRefused(
      `The backup needs ${formatBytes(header.totals.bytes)} of storage and this browser lets the ` +
        `site store ${formatBytes(Math.max(0, space.quota - space.usage))} more. Free disk ` +
        'space, or delete the dataset here first, and import it again.',
    );
  }

  const { reader, entries } = await openBackup(checked.file);
  const progress: ImportProgress = { phase: 'write', done: 0, total: header.totals.bytes };
  const result: RestoreResult = { records: 0, bytes: 0 };
  try {
    await clearAll();
    const marker: ImportMarker = {
      startedAt: (options.now?.() ?? new Date()).toISOString(),
      backupCreatedAt: header.createdAt,
    };
    await set(IMPORT_MARKER_KEY, marker, store('datasets'));
    for (const section of sectionsOf(header)) {
      const { chunks } = header.sections[section.id] as BackupHeader['sections'][string];
      for (let i = 0; i < chunks; i++) {
        const chunk = await readChunk(entries, section, i);
        await putRecords(section, chunk.records);
        result.records += chunk.records.length;
        result.bytes += chunk.bytes;
        progress.done += chunk.bytes;
        options.onProgress?.({ ...progress });
      }
    }
    await del(IMPORT_MARKER_KEY, store('datasets'));
    return result;
  } catch (error) {
    const cause =
      error instanceof DOMException && error.name === 'QuotaExceededError'
        ? "the browser's storage for this site is full"
        : (error as Error).message;
    let after: string;
    try {
      await clearAll();
      after =
        'The part already written was removed: this browser now holds no Lesion Lab dataset ' +
        'or runs.';
    } catch {
      after =
        'The part already written could not be removed either: the data in this browser is ' +
        'incomplete; delete the dataset and runs, or import again.';
    }
    throw new BackupWriteFailed(
      `The import stopped after ${result.records} of ${header.totals.records} records: ${cause}. ` +
        `${after} Your backup file is unchanged: free space if needed and import it again.`,
      { cause: error },
    );
  } finally {
    await reader.close().catch(() => undefined);
  }
}
