/**
 * An HDF5 file the person dropped, opened read-only in place in a worker: h5wasm (the HDF5 C
 * library in WebAssembly) reads it through Emscripten's WORKERFS, which reads the File's slices
 * synchronously as the library asks for them, so a file of gigabytes is never loaded; memory holds
 * HDF5's metadata cache, a 16 MB block cache and what the caller reads. Used for ISIC 2024's
 * train-image.hdf5 (dataset/ingest/hdf5.ts) and Keras weight files (models/weights/).
 *
 * WORKERFS would make one FileReaderSync call for every read the library makes, and in Chromium
 * each call costs about 2 ms whatever its size (the blob lives in the browser process): 1.9 ms a
 * lookup, 3 ms an image of train-image.hdf5, measured. So the file is read through a block cache
 * (ReadCache): the library's many small reads of neighbouring metadata and data become few large
 * ones.
 *
 * h5wasm is imported on first use: its 4 MB module loads only when an HDF5 file is opened.
 */
import type { File as H5File } from 'h5wasm';

type H5wasm = (typeof import('h5wasm'))['default'];
export type H5Module = Awaited<H5wasm['ready']>;

export interface OpenedHdf5 {
  h5wasm: H5wasm;
  module: H5Module;
  file: H5File;
  /** Closes the file and unmounts it. */
  close: () => void;
}

/** The file is not HDF5, or is damaged: what the person is told. */
export class Hdf5OpenError extends Error {}

let mounts = 0;

/** Opens `blob` (dropped as `name`) read-only. */
export async function openHdf5(name: string, blob: Blob): Promise<OpenedHdf5> {
  if (!(await hasSignature(blob))) {
    throw new Hdf5OpenError('not an HDF5 file: it does not start with the HDF5 signature');
  }
  const { default: h5wasm } = await import('h5wasm');
  const module = await h5wasm.ready;
  const { FS } = module;
  const mountPoint = `/hdf5-${++mounts}`;
  const fileName = name.split('/').at(-1) || 'file.hdf5';
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
  return {
    h5wasm,
    module,
    file,
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
