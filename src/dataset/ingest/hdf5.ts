/**
 * ISIC 2024's `train-image.hdf5`, read in place in the ingest worker: one scalar dataset per
 * `isic_id` at the file's root, holding that image's JPEG as a fixed-length byte string. The file
 * (about 2 GB for 401,059 images) is never loaded: h5wasm (the HDF5 C library in WebAssembly)
 * opens it through Emscripten's WORKERFS, which reads the dropped File's slices synchronously as
 * the library asks for them, so memory holds HDF5's metadata cache and the image being read.
 * Images are looked up by id (from the metadata CSV's rows), never by listing the 401,059 names.
 *
 * WORKERFS would make one FileReaderSync call for every read the library makes, and in Chromium
 * each call costs about 2 ms whatever its size (the blob lives in the browser process): 1.9 ms a
 * lookup, 3 ms an image, measured. So the file is read through a small block cache (ReadCache):
 * the library's many small reads of neighbouring metadata and images become few large ones.
 *
 * h5wasm is imported on first use: its 4 MB module loads only when an HDF5 file is dropped.
 */
import type { Dataset, File as H5File } from 'h5wasm';
import { DecodeError } from './imageHeader.ts';

export interface Hdf5Images {
  /** Whether the file has a dataset named `id` at its root. */
  has: (id: string) => boolean;
  /** The bytes stored under `id`; a DecodeError when the dataset is not a byte string. */
  read: (id: string) => Uint8Array;
  close: () => void;
}

/** A dropped file is not HDF5 (or is damaged): what the person is told. */
export class Hdf5OpenError extends Error {}

let mounts = 0;

/** Opens `blob` (dropped as `name`) for reading images by id. */
export async function openHdf5Images(name: string, blob: Blob): Promise<Hdf5Images> {
  if (!(await hasSignature(blob))) {
    throw new Hdf5OpenError('not an HDF5 file: it does not start with the HDF5 signature');
  }
  const { default: h5wasm } = await import('h5wasm');
  const module = await h5wasm.ready;
  const { FS } = module;
  const mountPoint = `/hdf5-${++mounts}`;
  const fileName = name.split('/').at(-1) || 'images.hdf5';
  const workerFs = FS.filesystems.WORKERFS;
  // WORKERFS keeps a reader it finds (`reader ??= new FileReaderSync()`): ours reads ReadCaches.
  (workerFs as { reader: unknown }).reader = CACHED_READER;
  FS.mkdir(mountPoint);
  FS.mount(workerFs, { blobs: [{ name: fileName, data: new ReadCache(blob) }] }, mountPoint);
  const unmount = () => {
    FS.unmount(mountPoint);
    FS.rmdir(mountPoint);
  };

  let file: H5File;
  try {
    file = new h5wasm.File(`${mountPoint}/${fileName}`, 'r');
    if (file.file_id < 0n) throw new Error('the HDF5 library could not open it');
  } catch (error) {
    unmount();
    throw new Hdf5OpenError(
      `a damaged HDF5 file (${error instanceof Error ? error.message : String(error)})`,
    );
  }

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
    close() {
      file.close();
      unmount();
    },
  };
}

/** Workers have it (the app's TypeScript library is the page's, which lacks it). */
declare const FileReaderSync: new () => { readAsArrayBuffer(blob: Blob): ArrayBuffer };

/** Blocks read at once, and how many are kept: 16 MB whatever the file's size. */
const BLOCK_BYTES = 128 * 1024;
const BLOCKS_KEPT = 128;

interface CacheSlice {
  cache: ReadCache;
  start: number;
  end: number;
  /** WORKERFS returns this as the number of bytes read. */
  size: number;
}

/**
 * What WORKERFS is given in place of the File: `slice` names a range, and CACHED_READER serves it
 * from the blocks last read, reading a missing block with FileReaderSync. Least recently used
 * blocks go first.
 */
export class ReadCache {
  readonly size: number;
  private readonly blocks = new Map<number, Uint8Array>();
  private readonly reader = new FileReaderSync();

  constructor(private readonly file: Blob) {
    this.size = file.size;
  }

  slice(start: number, end: number): CacheSlice {
    const from = Math.min(start, this.size);
    const to = Math.min(Math.max(end, from), this.size);
    return { cache: this, start: from, end: to, size: to - from };
  }

  read(start: number, end: number): ArrayBuffer {
    const out = new Uint8Array(end - start);
    for (let at = start; at < end;) {
      const index = Math.floor(at / BLOCK_BYTES);
      const block = this.block(index);
      const offset = at - index * BLOCK_BYTES;
      const count = Math.min(block.length - offset, end - at);
      out.set(block.subarray(offset, offset + count), at - start);
      at += count;
    }
    return out.buffer;
  }

  private block(index: number): Uint8Array {
    const kept = this.blocks.get(index);
    if (kept) {
      this.blocks.delete(index);
      this.blocks.set(index, kept);
      return kept;
    }
    const start = index * BLOCK_BYTES;
    const bytes = new Uint8Array(
      this.reader.readAsArrayBuffer(
        this.file.slice(start, Math.min(start + BLOCK_BYTES, this.size)),
      ),
    );
    this.blocks.set(index, bytes);
    if (this.blocks.size > BLOCKS_KEPT) {
      const oldest = this.blocks.keys().next().value;
      if (oldest !== undefined) this.blocks.delete(oldest);
    }
    return bytes;
  }
}

const CACHED_READER = {
  readAsArrayBuffer: (slice: CacheSlice): ArrayBuffer => slice.cache.read(slice.start, slice.end),
};

/** `\x89HDF\r\n\x1a\n`, at offset 0 or after a user block of 512, 1024, 2048 … bytes. */
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

async function hasSignature(blob: Blob): Promise<boolean> {
  for (let offset = 0; offset + SIGNATURE.length <= blob.size; offset = Math.max(512, offset * 2)) {
    const head = new Uint8Array(await blob.slice(offset, offset + SIGNATURE.length).arrayBuffer());
    if (SIGNATURE.every((byte, i) => head[i] === byte)) return true;
    if (offset >= 1 << 20) return false;
  }
  return false;
}

/** A fixed-length string may be padded with NUL bytes; no JPEG or PNG ends in one. */
function trimNul(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}
