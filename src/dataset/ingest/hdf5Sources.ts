/**
 * The images of dropped HDF5 files (ISIC 2024's `train-image.hdf5`) as files to ingest. An HDF5
 * file of 401,059 images is never listed: each image is looked up by an id that a metadata CSV
 * row gives (this drop's or an earlier one's), so the CSVs are read first. An image the file has
 * but no row names is therefore not seen; a row whose image the file lacks is named by the
 * dataset's cross-file check ("there is no image").
 */
import type { StopSignal } from '../../lib/jobs.ts';
import { displayId, imageKey } from '../ids.ts';
import { splitFromPath } from '../layout.ts';
import type { Problem, Split } from '../types.ts';
import { Hdf5OpenError, openHdf5Images, type Hdf5Images } from './hdf5.ts';
import type { DroppedItem, SourceFile } from './sources.ts';

export interface Hdf5Image {
  file: SourceFile;
  key: string;
  id: string;
  split: Split | null;
}

export interface Hdf5Sources {
  images: Hdf5Image[];

  problems: Problem[];
  close: () => void;
}

/** Finds the images of `ids` in each HDF5 file; `onProgress` gets the ids looked up so far. */
export async function hdf5Sources(
  items: readonly DroppedItem[],
  ids: readonly string[],
  signal: StopSignal,
  onProgress: (looked: number, total: number, path: string) => void = () => undefined,
): Promise<Hdf5Sources> {
  const images: Hdf5Image[] = [];
  const problems: Problem[] = [];
  const opened: Hdf5Images[] = [];

  const total = ids.length * items.length;
  let looked = 0;
  for (const item of items) {
    if (ids.length === 0) {
      problems.push({
        file: item.path,
        reason:
          'no metadata CSV names its images: an HDF5 file of ISIC 2024 images is read by the ' +
          'isic_id of each row of train-metadata.csv (or of the challenge Supplement); drop the ' +
          'CSV with it, or before it',
      });
      continue;
    }
    let hdf5: Hdf5Images;
    try {
      hdf5 = await openHdf5Images(item.path, item.file);
    } catch (error) {
      if (!(error instanceof Hdf5OpenError)) throw error;
      problems.push({ file: item.path, reason: error.message });
      continue;
    }
    opened.push(hdf5);

    const split = splitFromPath(item.path);
    let found = 0;
    for (const id of ids) {
      if (signal.stopped) break;
      if (++looked % 2000 === 0) onProgress(looked, total, item.path);
      if (!hdf5.has(id)) continue;
      found++;
      const read = () => Promise.resolve(new Blob([hdf5.read(id) as Uint8Array<ArrayBuffer>]));
      images.push({
        file: { path: `${item.path}/${id}`, size: 0, read },
        key: imageKey(id),
        id: displayId(id),
        split,
      });
    }
    if (found === 0 && !signal.stopped) {
      problems.push({
        file: item.path,
        reason: `none of the ${ids.length} image ids in the metadata CSVs is in this HDF5 file`,
      });
    }
  }
  return {
    images,
    problems,
    close: () => {
      for (const hdf5 of opened) hdf5.close();
    },
  };
}
