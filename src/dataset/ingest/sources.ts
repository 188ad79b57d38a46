/**
 * Turns what the person dropped (files, and the ISIC zips) into one flat list of files with paths.
 * Zips are read with zip.js from the Blob itself: only the central directory and the entries in use
 * are read, never the whole archive into memory.
 */
import { BlobReader, BlobWriter, ZipReader, configure, type FileEntry } from '@zip.js/zip.js';
import type { Problem } from '../types.ts';
import { errorText } from '../../lib/errorText.ts';

// zip.js would start workers of its own from blob: URLs; this already runs in a worker.
configure({ useWebWorkers: false });

/** A file the person dropped, with the path it was dropped as (folder-relative). */
export interface DroppedItem {
  path: string;
  file: Blob;
}

/** A file to ingest: loose, or an entry inside a zip (`archive.zip/inner/path`). */
export interface SourceFile {
  path: string;
  size: number;
  read: () => Promise<Blob>;
}

export interface Expanded {
  files: SourceFile[];
  problems: Problem[];
  /** Close the zips once their entries are read. */
  close: () => Promise<void>;
}

export async function expandSources(items: readonly DroppedItem[]): Promise<Expanded> {
  const files: SourceFile[] = [];
  const problems: Problem[] = [];
  const readers: ZipReader<Blob>[] = [];
  for (const item of items) {
    if (!/\.zip$/i.test(item.path)) {
      files.push({ path: item.path, size: item.file.size, read: () => Promise.resolve(item.file) });
      continue;
    }
    const reader = new ZipReader(new BlobReader(item.file));
    let entries;
    try {
      entries = await reader.getEntries();
    } catch (error) {
      const detail = errorText(error);
      problems.push({ file: item.path, reason: `not a zip archive, or a damaged one (${detail})` });
      continue;
    }
    readers.push(reader);
    if (entries.every((e) => e.directory)) {
      problems.push({ file: item.path, reason: 'the zip archive is empty' });
    }
    for (const entry of entries) {
      if (entry.directory) continue;
      const fileEntry = entry as FileEntry;
      const path = `${item.path}/${fileEntry.filename}`;
      if (/\.zip$/i.test(fileEntry.filename)) {
        problems.push({
          file: path,
          reason: 'a zip inside a zip; extract the outer zip and drop the inner one',
        });
        continue;
      }
      files.push({
        path,
        size: fileEntry.uncompressedSize,
        read: () => fileEntry.getData(new BlobWriter()),
      });
    }
  }
  return {
    files,
    problems,
    close: async () => {
      await Promise.all(readers.map((r) => r.close()));
    },
  };
}
