/**
 * ISIC 2024's `train-image.hdf5`, read in place in the ingest worker (lib/hdf5File.ts): one scalar
 * dataset per `isic_id` at the file's root, holding that image's JPEG as a fixed-length byte
 * string. Images are looked up by id (from the metadata CSV's rows), never by listing the 401,059
 * names. h5wasm's own value reader decodes a byte string as text and stops at the first NUL, so the
 * bytes are read with its lower-level call.
 */
import type { Dataset } from 'h5wasm';
import { openHdf5 } from '../../lib/hdf5File.ts';
import { DecodeError } from './imageHeader.ts';

export { Hdf5OpenError } from '../../lib/hdf5File.ts';

export interface Hdf5Images {
  /** Whether the file has a dataset named `id` at its root. */
  has: (id: string) => boolean;
  /** The bytes stored under `id`; a DecodeError when the dataset is not a byte string. */
  read: (id: string) => Uint8Array;
  close: () => void;
}

/** Opens `blob` (dropped as `name`) for reading images by id. */
export async function openHdf5Images(name: string, blob: Blob): Promise<Hdf5Images> {
  const { h5wasm, module, file, close } = await openHdf5(name, blob);

  const dataset = (id: string): Dataset | null => {
    // An id with a slash would name a path inside the file, not a dataset at its root.
    if (id.includes('/')) return null;
    const entity = file.get(id);
    return entity instanceof h5wasm.Dataset ? entity : null;
  };

  return {
    has: (id) => dataset(id) !== null,
    read(id) {
      const found = dataset(id);
      if (found === null) throw new DecodeError(`the HDF5 file has no dataset ${id}`);
      const { type, size, total_size: count, vlen } = found.metadata;
      const byteString =
        (type === module.H5T_class_t.H5T_STRING.value && !vlen && count === 1) ||
        (type === module.H5T_class_t.H5T_INTEGER.value && size === 1);
      if (!byteString) {
        throw new DecodeError(
          `the HDF5 dataset ${id} is a ${found.dtype.toString()} of shape [${String(found.shape)}], not the bytes of an image`,
        );
      }
      const length = size * count;
      const pointer = module._malloc(length);
      try {
        module.get_dataset_data(file.file_id, found.path, null, null, null, BigInt(pointer));
        return trimNul(module.HEAPU8.slice(pointer, pointer + length));
      } finally {
        module._free(pointer);
      }
    },
    close,
  };
}

/** A fixed-length string may be padded with NUL bytes; no JPEG or PNG ends in one. */
function trimNul(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}
