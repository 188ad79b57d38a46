/**
 * Turns what the person dropped (files, and the ISIC zips) into one flat list of files with paths.
 * Zips are read with zip.js from the Blob itself: only the central directory and the entries in use
 * are read, never the whole archive into memory.
 */
import { BlobReader, BlobWriter, ZipReader, configure, type FileEntry } from '@zip.js/zip.js';
import type { Problem } from '../types.ts';
import { errorText } from '../../lib/errorText.ts';
import { classifyPath } from '../layout.ts';

// zip.js would start workers of its own from blob: URLs; this already runs in a worker.
configure({ useWebWorkers: false });

const isHdf5 = (path: string) => classifyPath(path).kind === 'hdf5';

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
  /** HDF5 files, read in place once the CSVs say which ids to look up (see hdf5Sources.ts). */
  hdf5: DroppedItem[];
  problems: Problem[];
  /** Close the zips once their entries are read. */
  close: () => Promise<void>;
}

export async function expandSources(items: readonly DroppedItem[]): Promise<Expanded> {
  const files: SourceFile[] = [];
  const hdf5: DroppedItem[] = [];
  const problems: Problem[] = [];
  const readers: ZipReader<Blob>[] = [];
  for (const item of items) {
    if (isHdf5(item.path)) {
      hdf5.push(item);
      continue;
    }
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
      if (isHdf5(fileEntry.filename)) {
        problems.push({
          file: path,
          reason:
            'an HDF5 file inside a zip is not read: HDF5 is read in place, which needs the file ' +
            'itself; extract it and drop the .hdf5 file (or drop the JPEG folder, train-image/image/)',
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
    hdf5,
    problems,
    close: async () => {
      await Promise.all(readers.map((r) => r.close()));
    },
  };
}
