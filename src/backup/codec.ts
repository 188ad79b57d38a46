/**
 * The record chunks of a backup: IndexedDB records (key and value) in one binary file each.
 *
 * Why our own encoding: a record holds what IndexedDB's structured clone keeps (typed arrays,
 * ArrayBuffers, Blobs, Dates, Maps, nested in plain objects) and must come back with the same
 * types. JSON loses them; the npm serialisers that keep typed arrays (msgpackr, cbor-x) have no
 * Blob (a Blob's bytes are read asynchronously, and re-reading 10,000 thumbnails into memory is
 * what a streamed backup avoids) and would be a dependency for ~200 lines. Here a chunk is a JSON
 * skeleton with every binary value replaced by a reference into a binary section that follows it,
 * and a Blob read from IndexedDB goes into the chunk as a Blob part, never read by this code.
 *
 * Layout (integers little-endian):
 *
 *   bytes 0-3    "LLRC" (Lesion Lab record chunk)
 *   bytes 4-7    uint32: encoding version, 1
 *   bytes 8-11   uint32: J, the length of the JSON skeleton
 *   J bytes      UTF-8 JSON: an array of records, each `[key, value]`, encoded as below
 *   the rest     the binary section: every binary value's bytes, in the order the skeleton names
 *                them, back to back (typed arrays in the machine's byte order: little-endian in
 *                every browser that runs the app)
 *
 * A value in the skeleton is itself when it is JSON's own (null, a boolean, a string, a finite
 * number other than -0, an array, a plain object without a `$` key). Anything else is an object
 * with a `$` tag:
 *
 *   {"$":"undef"}                         undefined (also an array's hole)
 *   {"$":"num","v":"NaN"}                 NaN, "Infinity", "-Infinity", "-0"
 *   {"$":"obj","v":{…}}                   a plain object that has a `$` key of its own
 *   {"$":"date","v":<number>}             a Date, its time value (encoded as a number)
 *   {"$":"bigint","v":"123"}              a BigInt
 *   {"$":"map","v":[[k,v],…]}             a Map; {"$":"set","v":[…]} a Set
 *   {"$":"bin","t":"Float32Array","n":8}  an ArrayBuffer, DataView or typed array of n bytes
 *   {"$":"blob","type":"image/jpeg","n":…} a Blob; with "name" and "lastModified": a File
 *
 * Binary values own their bytes when decoded (each its own ArrayBuffer, as structured clone gives
 * them): a view into the chunk would make IndexedDB store the whole chunk with every record. Two
 * views of one buffer in a record come back as two buffers, and an object met twice comes back as
 * two copies (structured clone would keep them shared); no stored record does either. A cycle, a
 * function, a class instance or any other value is refused with its path.
 */

export const CHUNK_MAGIC = 'LLRC';
export const CHUNK_VERSION = 1;
const HEADER_BYTES = 12;

/** Typed arrays by name: the only constructors a chunk may name. */
const VIEWS = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type ViewName = keyof typeof VIEWS;
type BinaryName = ViewName | 'ArrayBuffer' | 'DataView';

/** One record of a store: its key and its value. */
export interface StoredRecord {
  key: IDBValidKey;
  value: unknown;
}

export class ChunkFormatError extends Error {
  override name = 'ChunkFormatError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Part = Uint8Array<ArrayBuffer> | Blob;

const textEncoder = new TextEncoder();

function viewName(value: ArrayBufferView): BinaryName | null {
  if (value instanceof DataView) return 'DataView';
  for (const name of Object.keys(VIEWS) as ViewName[]) {
    if (value instanceof VIEWS[name]) return name;
  }
  return null;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Builds one chunk, record by record; `byteLength` is the chunk's exact size so far. */
export class ChunkEncoder {
  private readonly records: Uint8Array<ArrayBuffer>[] = [];
  private readonly binary: Part[] = [];
  /** `[` and `]`, then each record's JSON and the comma before it (none before the first). */
  private jsonBytes = 2;
  private binaryBytes = 0;

  get count(): number {
    return this.records.length;
  }

  get byteLength(): number {
    return HEADER_BYTES + this.jsonBytes + this.binaryBytes;
  }

  add(key: IDBValidKey, value: unknown): void {
    const binaryBefore = this.binary.length;
    const bytesBefore = this.binaryBytes;
    try {
      const skeleton = [this.encode(key, 'key', new Set()), this.encode(value, 'value', new Set())];
      const json = textEncoder.encode(JSON.stringify(skeleton));
      this.jsonBytes += json.length + (this.records.length > 0 ? 1 : 0);
      this.records.push(json);
    } catch (error) {
      // A refused record leaves nothing of itself in the chunk.
      this.binary.length = binaryBefore;
      this.binaryBytes = bytesBefore;
      throw error;
    }
  }

  /** The chunk as a Blob: header, skeleton, binary section (Blob values stay Blob parts). */
  finish(): Blob {
    const parts: Part[] = [];
    const jsonLength = this.jsonBytes;
    const header = new Uint8Array(HEADER_BYTES);
    header.set(textEncoder.encode(CHUNK_MAGIC));
    const view = new DataView(header.buffer);
    view.setUint32(4, CHUNK_VERSION, true);
    view.setUint32(8, jsonLength, true);
    parts.push(header);
    parts.push(textEncoder.encode('['));
    this.records.forEach((json, i) => {
      if (i > 0) parts.push(textEncoder.encode(','));
      parts.push(json);
    });
    parts.push(textEncoder.encode(']'));
    parts.push(...this.binary);
    return new Blob(parts);
  }

  private addBinary(part: Part): number {
    this.binary.push(part);
    const n = part instanceof Blob ? part.size : part.byteLength;
    this.binaryBytes += n;
    return n;
  }

  private encode(value: unknown, path: string, open: Set<object>): Json {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        if (Number.isNaN(value)) return { $: 'num', v: 'NaN' };
        if (value === Infinity) return { $: 'num', v: 'Infinity' };
        if (value === -Infinity) return { $: 'num', v: '-Infinity' };
        if (Object.is(value, -0)) return { $: 'num', v: '-0' };
        return value;
      case 'undefined':
        return { $: 'undef' };
      case 'bigint':
        return { $: 'bigint', v: value.toString() };
      case 'object':
        if (value === null) return null;
        break;
      default:
        throw new ChunkFormatError(`${path}: a ${typeof value} cannot be stored in a backup`);
    }
    if (value instanceof ArrayBuffer) {
      return { $: 'bin', t: 'ArrayBuffer', n: this.addBinary(new Uint8Array(value)) };
    }
    if (ArrayBuffer.isView(value)) {
      const t = viewName(value);
      if (!t || !(value.buffer instanceof ArrayBuffer)) {
        throw new ChunkFormatError(`${path}: this kind of binary value cannot be stored`);
      }
      const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return { $: 'bin', t, n: this.addBinary(bytes) };
    }
    if (value instanceof Blob) {
      const n = this.addBinary(value);
      if (typeof File !== 'undefined' && value instanceof File) {
        return {
          $: 'blob',
          type: value.type,
          n,
          name: value.name,
          lastModified: value.lastModified,
        };
      }
      return { $: 'blob', type: value.type, n };
    }
    if (value instanceof Date) return { $: 'date', v: this.encode(value.getTime(), path, open) };
    if (open.has(value)) throw new ChunkFormatError(`${path}: the value refers to itself`);
    open.add(value);
    try {
      if (Array.isArray(value)) {
        const out: Json[] = [];
        for (let i = 0; i < value.length; i++) {
          out.push(this.encode(value[i], `${path}[${i}]`, open));
        }
        return out;
      }
      if (value instanceof Map) {
        const entries: Json[] = [];
        let i = 0;
        for (const [k, v] of value) {
          entries.push([
            this.encode(k, `${path}<key ${i}>`, open),
            this.encode(v, `${path}<${i}>`, open),
          ]);
          i++;
        }
        return { $: 'map', v: entries };
      }
      if (value instanceof Set) {
        const items: Json[] = [];
        let i = 0;
        for (const v of value) items.push(this.encode(v, `${path}<${i++}>`, open));
        return { $: 'set', v: items };
      }
      if (!isPlainObject(value)) {
        const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
        throw new ChunkFormatError(`${path}: a ${kind} cannot be stored in a backup`);
      }
      const out: { [key: string]: Json } = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.encode(v, `${path}.${k}`, open);
      return '$' in out ? { $: 'obj', v: out } : out;
    } finally {
      open.delete(value);
    }
  }
}

/** Reads a chunk back into its records, checking its layout as it goes. */
export function decodeChunk(bytes: Uint8Array): StoredRecord[] {
  if (bytes.length < HEADER_BYTES) throw new ChunkFormatError('shorter than its header');
  if (new TextDecoder().decode(bytes.subarray(0, 4)) !== CHUNK_MAGIC) {
    throw new ChunkFormatError('not a record chunk (no LLRC mark)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== CHUNK_VERSION) {
    throw new ChunkFormatError(`chunk encoding ${version}; this version reads ${CHUNK_VERSION}`);
  }
  const jsonLength = view.getUint32(8, true);
  if (HEADER_BYTES + jsonLength > bytes.length) {
    throw new ChunkFormatError('its skeleton runs past its end');
  }
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(
        bytes.subarray(HEADER_BYTES, HEADER_BYTES + jsonLength),
      ),
    );
  } catch (error) {
    throw new ChunkFormatError(`its skeleton is not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(skeleton)) throw new ChunkFormatError('its skeleton is not a list');
  const decoder = new Decoder(bytes.subarray(HEADER_BYTES + jsonLength));
  const records = skeleton.map((item: unknown, i): StoredRecord => {
    if (!Array.isArray(item) || item.length !== 2) {
      throw new ChunkFormatError(`record ${i} is not a [key, value] pair`);
    }
    const key = decoder.decode(item[0]);
    if (!isValidKey(key)) throw new ChunkFormatError(`record ${i} has no valid key`);
    return { key, value: decoder.decode(item[1]) };
  });
  decoder.end();
  return records;
}

function isValidKey(key: unknown): key is IDBValidKey {
  if (typeof key === 'string') return true;
  if (typeof key === 'number') return !Number.isNaN(key);
  if (key instanceof Date) return !Number.isNaN(key.getTime());
  if (key instanceof ArrayBuffer || ArrayBuffer.isView(key)) return true;
  return Array.isArray(key) && key.every(isValidKey);
}

const NUMBERS: Record<string, number> = {
  NaN: NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
  '-0': -0,
};

class Decoder {
  private offset = 0;

  constructor(private readonly binary: Uint8Array) {}

  /** Every byte of the binary section was named by the skeleton, in order. */
  end(): void {
    if (this.offset !== this.binary.length) {
      throw new ChunkFormatError(
        `its binary section holds ${this.binary.length} bytes; the records name ${this.offset}`,
      );
    }
  }

  private take(n: unknown): Uint8Array {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new ChunkFormatError('a binary value has no valid length');
    }
    if (this.offset + n > this.binary.length) {
      throw new ChunkFormatError('a binary value runs past the end of the chunk');
    }
    const bytes = this.binary.subarray(this.offset, this.offset + n);
    this.offset += n;
    return bytes;
  }

  decode(json: unknown): unknown {
    if (json === null || typeof json !== 'object') return json;
    if (Array.isArray(json)) return json.map((item) => this.decode(item));
    const tagged = json as Record<string, unknown>;
    if (!('$' in tagged)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(tagged)) out[k] = this.decode(v);
      return out;
    }
    switch (tagged.$) {
      case 'undef':
        return undefined;
      case 'num': {
        const v = NUMBERS[String(tagged.v)];
        if (v === undefined) throw new ChunkFormatError(`unknown number ${String(tagged.v)}`);
        return v;
      }
      case 'obj': {
        if (typeof tagged.v !== 'object' || tagged.v === null || Array.isArray(tagged.v)) {
          throw new ChunkFormatError('an escaped object holds no object');
        }
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(tagged.v)) out[k] = this.decode(v);
        return out;
      }
      case 'date': {
        const time = this.decode(tagged.v);
        if (typeof time !== 'number') throw new ChunkFormatError('a date holds no time');
        return new Date(time);
      }
      case 'bigint':
        if (typeof tagged.v !== 'string' || !/^-?\d+$/.test(tagged.v)) {
          throw new ChunkFormatError('a BigInt holds no integer');
        }
        return BigInt(tagged.v);
      case 'map':
        return new Map(
          this.list(tagged.v).map((pair) => {
            if (!Array.isArray(pair) || pair.length !== 2) {
              throw new ChunkFormatError('a Map entry is not a pair');
            }
            return [this.decode(pair[0]), this.decode(pair[1])] as const;
          }),
        );
      case 'set':
        return new Set(this.list(tagged.v).map((item) => this.decode(item)));
      case 'bin':
        return this.binaryValue(tagged.t, this.take(tagged.n));
      case 'blob': {
        const bytes = this.take(tagged.n);
        const type = typeof tagged.type === 'string' ? tagged.type : '';
        if (typeof tagged.name === 'string') {
          const lastModified = typeof tagged.lastModified === 'number' ? tagged.lastModified : 0;
          return new File([bytes.slice()], tagged.name, { type, lastModified });
        }
        return new Blob([bytes.slice()], { type });
      }
      default:
        throw new ChunkFormatError(`unknown value tag ${JSON.stringify(tagged.$)}`);
    }
  }

  private list(value: unknown): unknown[] {
    if (!Array.isArray(value)) throw new ChunkFormatError('a Map or Set holds no list');
    return value;
  }

  private binaryValue(name: unknown, bytes: Uint8Array): unknown {
    // A copy: the value owns exactly its bytes (see the module's comment).
    const buffer = bytes.slice().buffer;
    if (name === 'ArrayBuffer') return buffer;
    if (name === 'DataView') return new DataView(buffer);
    if (typeof name === 'string' && Object.hasOwn(VIEWS, name)) {
      const View = VIEWS[name as ViewName];
      if (bytes.length % View.BYTES_PER_ELEMENT !== 0) {
        throw new ChunkFormatError(`a ${name} of ${bytes.length} bytes`);
      }
      return new View(buffer);
    }
    throw new ChunkFormatError(`unknown binary type ${JSON.stringify(name)}`);
  }
}
