/**
 * Export: every section's records, a page at a time, into chunks of a few MB, each added to a zip
 * that streams into `output` (a file on disk, or Blobs the browser may keep on disk). At any time
 * the memory in use is about one page of records and one chunk, whatever the dataset's size.
 */
import { BlobReader, TextReader, ZipWriter, configure } from '@zip.js/zip.js';
import type { StopSignal } from '../lib/jobs.ts';
import { ChunkEncoder, CHUNK_MAGIC, CHUNK_VERSION } from './codec.ts';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  HEADER_NAME,
  chunkName,
  type BackupHeader,
  type SectionHeader,
} from './format.ts';
import { SECTIONS, countRecords, readPage, type Section } from './sections.ts';

// zip.js would start workers of its own (from blob: URLs); this already runs in one.
configure({ useWebWorkers: false });

export interface ExportProgress {
  phase: 'export';
  /** Records read, of `total`. */
  done: number;
  total: number;
  /** Bytes of chunks written so far (before compression). */
  bytes: number;
}

export class BackupCancelled extends Error {
  override name = 'BackupCancelled';
  constructor() {
    super('Cancelled.');
  }
}

export interface ExportOptions {
  appVersion: string;
  onProgress?: (progress: ExportProgress) => void;
  signal?: StopSignal;
  /** A chunk is closed once it holds at least this many bytes. */
  chunkBytes?: number;
  now?: () => Date;
  sections?: readonly Section[];
}

const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_PAGE = 1000;

/**
 * Writes the backup into `output` and closes it; on any failure (or a cancel) `output` is aborted
 * instead, so that a file being written is discarded. Returns the header.
 */
export async function exportBackup(
  output: WritableStream<Uint8Array>,
  options: ExportOptions,
): Promise<BackupHeader> {
  const sections = options.sections ?? SECTIONS;
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const signal = options.signal ?? { stopped: false };
  const check = () => {
    if (signal.stopped) throw new BackupCancelled();
  };

  // zip.js writes through this gate, so that a failure can abort the output it holds.
  const target = output.getWriter();
  const gate = new WritableStream<Uint8Array>({
    write: (chunk) => target.write(chunk),
    close: () => target.close(),
  });
  // zip.js switches to Zip64 by itself past 4 GB (offsets, sizes) or 65,535 entries.
  const zip = new ZipWriter(gate);

  const totals = await Promise.all(sections.map(countRecords));
  const total = totals.reduce((a, b) => a + b, 0);
  const progress: ExportProgress = { phase: 'export', done: 0, total, bytes: 0 };
  const headerSections: Record<string, SectionHeader> = {};
  const contents = { images: 0, masks: 0, runs: 0, models: 0 };

  try {
    for (const section of sections) {
      check();
      const stats: SectionHeader = {
        database: section.database,
        objectStore: section.objectStore,
        records: 0,
        bytes: 0,
        chunks: 0,
      };
      let encoder = new ChunkEncoder();
      const flush = async () => {
        const blob = encoder.finish();
        await zip.add(chunkName(section.id, stats.chunks), new BlobReader(blob), {
          level: section.compress ? 6 : 0,
        });
        stats.records += encoder.count;
        stats.bytes += blob.size;
        stats.chunks++;
        progress.bytes += blob.size;
        encoder = new ChunkEncoder();
      };

      let after: IDBValidKey | undefined;
      let pageSize = 16;
      let seenRecords = 0;
      let seenBytes = 0;
      for (;;) {
        check();
        const { keys, values } = await readPage(section, after, pageSize);
        if (keys.length === 0) break;
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i] as IDBValidKey;
          if (section.skipKey(key)) continue;
          const before = encoder.byteLength;
          try {
            encoder.add(key, values[i]);
          } catch (error) {
            throw new Error(
              `The record ${JSON.stringify(key)} of ${section.id} could not be backed up: ` +
                (error as Error).message,
              { cause: error },
            );
          }
          seenRecords++;
          seenBytes += encoder.byteLength - before;
          if (section.id === 'images') contents.images++;
          if (section.id === 'masks') contents.masks++;
          if (section.id === 'runs' && typeof key === 'string' && !key.includes('/')) {
            contents.runs++;
          }
          if (section.id === 'tfjs-models') contents.models++;
          if (encoder.byteLength >= chunkBytes) await flush();
        }
        after = keys[keys.length - 1];
        progress.done += keys.length;
        options.onProgress?.({ ...progress });
        // About one chunk's worth of records per read.
        pageSize = Math.max(
          1,
          Math.min(MAX_PAGE, Math.floor(chunkBytes / (seenBytes / seenRecords || 1))),
        );
      }
      if (encoder.count > 0) await flush();
      headerSections[section.id] = stats;
    }
    check();

    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      appVersion: options.appVersion,
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      chunkEncoding: `${CHUNK_MAGIC}/${CHUNK_VERSION}`,
      sections: headerSections,
      totals: {
        records: Object.values(headerSections).reduce((sum, s) => sum + s.records, 0),
        bytes: Object.values(headerSections).reduce((sum, s) => sum + s.bytes, 0),
      },
      contents,
    };
    await zip.add(HEADER_NAME, new TextReader(JSON.stringify(header, null, 2)), { level: 6 });
    await zip.close();
    return header;
  } catch (error) {
    await target.abort(error).catch(() => undefined);
    throw error;
  }
}
