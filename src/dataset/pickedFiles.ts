/**
 * Collects what the person dropped or picked, with folder-relative paths: folders dropped on the
 * page are walked recursively through the drag-and-drop entries API, and empty folders are
 * reported (a folder picker lists files only, so it cannot see them).
 */
import type { DroppedItem } from './ingest/sources.ts';

export interface PickedFiles {
  items: DroppedItem[];
  emptyFolders: string[];
}

/** Files from `<input type=file>`, with `webkitdirectory` paths where the browser gives them. */
export function fromFileList(files: FileList | readonly File[]): PickedFiles {
  return {
    items: Array.from(files, (file) => ({ path: file.webkitRelativePath || file.name, file })),
    emptyFolders: [],
  };
}

/** The entries of a drop: files and folders, walked recursively. */
export async function fromDataTransfer(data: DataTransfer): Promise<PickedFiles> {
  const entries = Array.from(data.items)
    .map((item) => item.webkitGetAsEntry?.())
    .filter((entry): entry is FileSystemEntry => Boolean(entry));
  if (entries.length === 0) return fromFileList(data.files);
  const picked: PickedFiles = { items: [], emptyFolders: [] };
  for (const entry of entries) await walk(entry, picked);
  return picked;
}

export async function walk(entry: FileSystemEntry, picked: PickedFiles): Promise<void> {
  const path = entry.fullPath.replace(/^\/+/, '');
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    picked.items.push({ path, file });
    return;
  }
  const children = await readAll((entry as FileSystemDirectoryEntry).createReader());
  if (children.length === 0) picked.emptyFolders.push(`${path}/`);
  for (const child of children) await walk(child, picked);
}

/** A directory reader returns entries in batches (100 in Chrome) until it returns none. */
async function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}
