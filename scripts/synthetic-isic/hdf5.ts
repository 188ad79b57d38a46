/**
 * Writes and reads HDF5 files of named byte strings, as h5py writes the ISIC 2024 train-image.hdf5:
 * `f.create_dataset(isic_id, data=np.bytes_(jpeg))`, one scalar fixed-length string dataset per
 * image at the file's root, holding the JPEG's bytes exactly.
 *
 * h5wasm's own string writer text-encodes (which would corrupt binary), so each dataset is created
 * from the bytes through its module directly: an ASCII string type of the bytes' length. h5wasm's
 * Node build reads and writes the real file system, so datasets go to disk one at a time and memory
 * stays bounded.
 *
 * h5py's `np.bytes_` type is null-padded; h5wasm can only make null-terminated strings, which
 * HDF5 cuts at the first zero byte when h5py reads them (`f[isic_id][()]`: 4 bytes of a JPEG). So
 * once the file is closed, each dataset's datatype message is set to null padding in place (the
 * oldest object headers, which this file has, carry no checksum).
 *
 * HDF5 stamps each object with the time it was made; the clock the library reads (`Date.now`) is
 * held at HDF5_TIME while writing, so the same datasets give the same bytes.
 */
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type H5wasm from 'h5wasm/node';

type H5wasmApi = typeof H5wasm;
type H5Module = Awaited<H5wasmApi['ready']>;
type H5File = InstanceType<H5wasmApi['File']>;

/** h5wasm, loaded on first use: its module takes a few hundred MB that other layouts never need. */
async function loadH5wasm(): Promise<{ h5wasm: H5wasmApi; module: H5Module }> {
  const h5wasm = (await import('h5wasm/node')).default;
  return { h5wasm, module: await h5wasm.ready };
}

/** The object times written into the file: the day the ISIC 2024 challenge opened. */
export const HDF5_TIME = Date.UTC(2024, 5, 26);

function atFixedTime<T>(run: () => T): T {
  const now = Date.now;
  Date.now = () => HDF5_TIME;
  try {
    return run();
  } finally {
    Date.now = now;
  }
}

/**
 * A version 1 object header's datatype message for a fixed-length ASCII string, null-terminated:
 * message type 3, 8 bytes of data, flags "constant"; then class 3 version 1, padding 0 and
 * charset 0 (byte 9), the size in 4 bytes after it.
 */
const NULLTERM_STRING_MESSAGE = [
  0x03, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00,
];
const PADDING_BYTE = 9;
const NULLPAD = 0x01;

/**
 * Turns the datatype message of every string dataset into null padding, in place. `sizes` are the
 * datasets' lengths: the messages found must be exactly these, or the file is left as it was.
 */
export function nullPadStrings(path: string, sizes: readonly number[]): void {
  const pattern = NULLTERM_STRING_MESSAGE;
  const found: { at: number; size: number }[] = [];
  const fd = openSync(path, 'r+');
  try {
    const chunk = Buffer.alloc(1 << 20);
    const overlap = pattern.length + 4 - 1;
    let start = 0;
    for (;;) {
      const read = readSync(fd, chunk, 0, chunk.length, start);
      for (
        let i = chunk.indexOf(0x13, 8);
        i !== -1 && i + 8 <= read;
        i = chunk.indexOf(0x13, i + 1)
      ) {
        const at = i - 8;
        if (pattern.every((byte, j) => chunk[at + j] === byte)) {
          found.push({ at: start + at, size: chunk.readUInt32LE(at + pattern.length) });
        }
      }
      if (read < chunk.length) break;
      start += read - overlap;
    }
    const unique = [...new Map(found.map((f) => [f.at, f])).values()];
    const want = [...sizes].sort((a, b) => a - b).join();
    const got = unique
      .map((f) => f.size)
      .sort((a, b) => a - b)
      .join();
    if (unique.length !== sizes.length || want !== got) {
      throw new Error(
        `HDF5: found ${unique.length} string datatype messages for ${sizes.length} datasets`,
      );
    }
    for (const { at } of unique) writeSync(fd, Buffer.from([NULLPAD]), 0, 1, at + PADDING_BYTE);
  } finally {
    closeSync(fd);
  }
}

/** An HDF5 file being written: `add` one named byte string at a time, then `close`. */
export class Hdf5BytesWriter {
  private readonly sizes: number[] = [];

  private constructor(
    private readonly module: H5Module,
    private readonly file: H5File,
    private readonly path: string,
  ) {}

  /** Creates (or truncates) the file at `path`. */
  static async create(path: string): Promise<Hdf5BytesWriter> {
    const { h5wasm, module } = await loadH5wasm();
    // The oldest object headers, as h5py writes by default (libver 'earliest').
    const file = atFixedTime(() => new h5wasm.File(path, 'w', { libver: ['earliest', 'v200'] }));
    return new Hdf5BytesWriter(module, file, path);
  }

  /** A scalar dataset `/name` of type `S<bytes.length>` holding exactly these bytes. */
  add(name: string, bytes: Uint8Array): void {
    const { module } = this;
    const pointer = module._malloc(Math.max(1, bytes.length));
    try {
      module.HEAPU8.set(bytes, pointer);
      const status = atFixedTime(() =>
        module.create_dataset(this.file.file_id, `/${name}`, BigInt(pointer), {
          type: module.H5T_class_t.H5T_STRING.value,
          size: bytes.length,
          cset: 0,
          vlen: false,
          signed: false,
          littleEndian: true,
          total_size: 1,
          shape: [],
          maxshape: [],
          // Read by h5wasm's create_dataset, not in its WriteMetadata type.
          ...{ chunks: null, compression: 0, compression_opts: [], track_order: false },
        }),
      );
      if (status < 0) throw new Error(`HDF5: could not write dataset ${name}`);
      this.sizes.push(bytes.length);
    } finally {
      module._free(pointer);
    }
  }

  /** Closes the file and null-pads its strings, as h5py writes `np.bytes_`. */
  close(): void {
    atFixedTime(() => this.file.close());
    nullPadStrings(this.path, this.sizes);
  }
}

/** Writes the entries into an HDF5 file in a temporary folder and returns its bytes. */
export async function hdf5Bytes(entries: Iterable<[string, Uint8Array]>): Promise<Uint8Array> {
  const dir = mkdtempSync(join(tmpdir(), 'synthetic-hdf5-'));
  try {
    const path = join(dir, 'file.hdf5');
    const writer = await Hdf5BytesWriter.create(path);
    try {
      for (const [name, bytes] of entries) writer.add(name, bytes);
    } finally {
      writer.close();
    }
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** An HDF5 file opened for reading byte-string datasets by name. */
export class Hdf5BytesReader {
  private constructor(
    private readonly h5wasm: H5wasmApi,
    private readonly module: H5Module,
    private readonly file: H5File,
  ) {}

  static async open(path: string): Promise<Hdf5BytesReader> {
    const { h5wasm, module } = await loadH5wasm();
    return new Hdf5BytesReader(h5wasm, module, new h5wasm.File(path, 'r'));
  }

  /** The names of the root's datasets, as h5py's `f.keys()` lists them. */
  keys(): string[] {
    return this.file.keys();
  }

  /** The raw bytes of `/name`, or null where there is no such dataset. */
  get(name: string): Uint8Array | null {
    const entity = this.file.get(name);
    if (!(entity instanceof this.h5wasm.Dataset)) return null;
    const { size, total_size: count } = entity.metadata;
    const length = size * count;
    const { module } = this;
    const pointer = module._malloc(Math.max(1, length));
    try {
      const status = module.get_dataset_data(
        this.file.file_id,
        `/${name}`,
        null,
        null,
        null,
        BigInt(pointer),
      );
      if (status < 0) throw new Error(`HDF5: could not read dataset ${name}`);
      return module.HEAPU8.slice(pointer, pointer + length);
    } finally {
      module._free(pointer);
    }
  }

  close(): void {
    this.file.close();
  }
}
