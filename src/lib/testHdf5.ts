/**
 * HDF5 files for tests, written with h5wasm (as h5py writes ISIC 2024's train-image.hdf5), and the
 * stand-ins that let WORKERFS read them in Node.
 */
/** A Blob-like over bytes: what WORKERFS uses of a File (size, slice). */
export class BytesBlob {
  constructor(readonly bytes: Uint8Array) {}
  get size() {
    return this.bytes.length;
  }
  slice(start = 0, end = this.bytes.length) {
    return new BytesBlob(this.bytes.subarray(start, end));
  }
  arrayBuffer() {
    return Promise.resolve(this.bytes.slice().buffer);
  }
}

/** Bytes read, and reads made, through FileReaderSync since the counts were last reset. */
export const counter = { bytesRead: 0, reads: 0 };

/**
 * Emscripten allows WORKERFS only in a worker (h5wasm checks when it loads) and reads through
 * FileReaderSync: both are stood in, over BytesBlob. Call before h5wasm is first imported.
 */
export function standInWorkerFs(): void {
  Object.assign(globalThis, {
    // Only its presence is checked.
    WorkerGlobalScope: function WorkerGlobalScope() {},
    FileReaderSync: class {
      readAsArrayBuffer(blob: BytesBlob) {
        counter.bytesRead += blob.size;
        counter.reads++;
        return blob.bytes.slice().buffer;
      }
    },
  });
}

type H5wasm = (typeof import('h5wasm'))['default'];
type H5File = InstanceType<H5wasm['File']>;
type H5Group = InstanceType<H5wasm['Group']>;

/** Writes an HDF5 file in memory with `build`, and returns its bytes as a Blob. */
export async function writeHdf5(
  build: (file: H5File, h5wasm: H5wasm) => void,
): Promise<Blob & BytesBlob> {
  const { default: h5wasm } = await import('h5wasm');
  const module = await h5wasm.ready;
  const path = `/written-${Math.random().toString(36).slice(2)}.hdf5`;
  const file = new h5wasm.File(path, 'w');
  try {
    build(file, h5wasm);
  } finally {
    file.close();
  }
  const written = module.FS.readFile(path) as Uint8Array;
  module.FS.unlink(path);
  return new BytesBlob(new Uint8Array(written)) as unknown as Blob & BytesBlob;
}

/** The group at `path` under `group`, made with its parents where missing (h5wasm makes one). */
export function groupAt(group: H5Group, path: string): H5Group {
  let at = group;
  for (const part of path.split('/').filter(Boolean)) {
    const found = at.get(part);
    at = found !== null && 'create_group' in found ? found : at.create_group(part);
  }
  return at;
}

/** Writes an HDF5 file in memory: `datasets` as scalar fixed-length byte strings (as h5py does). */
export async function hdf5(datasets: Record<string, Uint8Array>, extra?: (file: unknown) => void) {
  const { default: h5wasm } = await import('h5wasm');
  const module = await h5wasm.ready;
  const path = `/written-${Math.random().toString(36).slice(2)}.hdf5`;
  const file = new h5wasm.File(path, 'w');
  for (const [name, bytes] of Object.entries(datasets)) {
    file.create_dataset({ name, data: 'x', shape: [], dtype: `S${bytes.length}` });
    const pointer = module._malloc(bytes.length);
    module.HEAPU8.set(bytes, pointer);
    module.set_dataset_data(file.file_id, `/${name}`, null, null, null, BigInt(pointer));
    module._free(pointer);
  }
  extra?.(file);
  file.close();
  const written = module.FS.readFile(path) as Uint8Array;
  module.FS.unlink(path);
  return new BytesBlob(new Uint8Array(written)) as unknown as Blob;
}
