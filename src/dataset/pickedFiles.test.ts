import { describe, expect, it } from 'vitest';
import { walk, type PickedFiles } from './pickedFiles.ts';

/** A stand-in for the drag-and-drop entries API, with Chrome's batches of at most 100 entries. */
function dir(fullPath: string, children: FileSystemEntry[]): FileSystemEntry {
  return {
    isFile: false,
    isDirectory: true,
    fullPath,
    createReader: () => {
      let offset = 0;
      return {
        readEntries: (resolve: (entries: FileSystemEntry[]) => void) => {
          resolve(children.slice(offset, offset + 100));
          offset += 100;
        },
      };
    },
  } as unknown as FileSystemEntry;
}

function file(fullPath: string): FileSystemEntry {
  return {
    isFile: true,
    isDirectory: false,
    fullPath,
    file: (resolve: (f: File) => void) =>
      resolve(new File(['x'], fullPath.split('/').at(-1) ?? '')),
  } as unknown as FileSystemEntry;
}

describe('walk', () => {
  it('collects files recursively with their paths, reading directories in batches', async () => {
    const images = Array.from({ length: 250 }, (_, i) => file(`/data/images/ISIC_${i}.jpg`));
    const root = dir('/data', [dir('/data/images', images), file('/data/labels.csv')]);
    const picked: PickedFiles = { items: [], emptyFolders: [] };
    await walk(root, picked);
    expect(picked.items).toHaveLength(251);
    expect(picked.items[0]?.path).toBe('data/images/ISIC_0.jpg');
    expect(picked.items.at(-1)?.path).toBe('data/labels.csv');
    expect(picked.emptyFolders).toEqual([]);
  });

  it('reports empty folders', async () => {
    const picked: PickedFiles = { items: [], emptyFolders: [] };
    await walk(dir('/ISIC', [dir('/ISIC/masks', []), file('/ISIC/a.jpg')]), picked);
    expect(picked.emptyFolders).toEqual(['ISIC/masks/']);
    expect(picked.items.map((i) => i.path)).toEqual(['ISIC/a.jpg']);
  });
});
