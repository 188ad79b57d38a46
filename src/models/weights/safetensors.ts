/**
 * PyTorch DenseNet-121 weights in `.safetensors` (torchvision's and timm's names), read as the
 * Keras layers of densenet.ts name them.
 *
 * The format (github.com/huggingface/safetensors): an 8-byte little-endian header length N, N bytes
 * of UTF-8 JSON `{"<tensor>": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__"?}`
 * (padded with spaces), then the data, the offsets counting from its start. Only the header is read
 * when the file is opened; a layer's bytes are read when the copier asks for them, through a
 * synchronous reader (FileReaderSync, which the worker has), so that one layer is held at a time.
 *
 * Names are mapped by torchNames.ts. timm's DenseNet is a copy of torchvision's and keeps its
 * names; a `module.` (DataParallel) or `model.` prefix is dropped, and torchvision's pre-0.3
 * spelling `denselayer1.norm.1` is read as `norm1`.
 *
 * Layouts: PyTorch convolution kernels are OIHW, Keras' HWIO; a Linear's weight is [out, in], a
 * Dense kernel [in, out]: both are transposed in read(). BatchNorm's weight, bias, running_mean and
 * running_var are Keras' gamma, beta, moving_mean and moving_variance. Keras' DenseNet uses
 * BatchNormalization(epsilon=1.001e-5) where torchvision's BatchNorm2d uses 1e-5: the difference
 * (1e-8 added to variances of order 1e-2 and above) is negligible and is not converted.
 */
import { halvesToFloats } from './float16.ts';
import { WeightFileError, type FileLayer, type WeightFile } from './weightFile.ts';
import { CLASS_NAME, REQUIRED, SLOTS, kerasTarget, refusePth, type Kind } from './torchNames.ts';

/** A safetensors file read as Keras DenseNet-121 layers. */
export interface SafetensorsWeightFile extends WeightFile {
  /** Tensors whose names map to no Keras layer (a deep stem, another model's parts): not read. */
  unmapped: string[];
  /** The header's `__metadata__` (string to string), if it has one. */
  metadata: Record<string, string>;
}

/** Reads a slice of the file at once: FileReaderSync in a worker, an in-memory reader in tests. */
export type ReadSync = (blob: Blob) => ArrayBuffer;

declare const FileReaderSync: new () => { readAsArrayBuffer(blob: Blob): ArrayBuffer };

const defaultReadSync: ReadSync = (blob) => new FileReaderSync().readAsArrayBuffer(blob);

/** Headers are a few tens of KB for a CNN; the format's own reader refuses more than 100 MB. */
const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of every dtype the format defines; only the float ones are read. */
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};
const READABLE = new Set(['F64', 'F32', 'F16', 'BF16']);

interface Tensor {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

function fail(name: string, problem: string): WeightFileError {
  return new WeightFileError(`${name}: ${problem}`);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Parses and checks the header: every tensor's dtype, shape and offsets within `dataBytes`. */
function parseHeader(
  name: string,
  bytes: Uint8Array,
  dataBytes: number,
): { tensors: Tensor[]; metadata: Record<string, string> } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail(name, 'not a safetensors file: its header is not UTF-8 text');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw fail(name, `not a safetensors file: its header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail(name, 'not a safetensors file: its header is not a JSON object');
  }
  const tensors: Tensor[] = [];
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (typeof value === 'object' && value !== null) metadata = value as Record<string, string>;
      continue;
    }
    const entry = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    const bad = (problem: string) => fail(name, `tensor ${key} ${problem}`);
    if (typeof entry !== 'object' || entry === null) throw bad('has no description');
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) {
      throw bad(`has an unknown dtype ${JSON.stringify(dtype)}`);
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      throw bad(`has a bad shape ${JSON.stringify(shape)}`);
    }
    const [begin = -1, end = -1] = Array.isArray(offsets) ? (offsets as unknown[]) : [];
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !isNonNegativeInteger(begin) ||
      !isNonNegativeInteger(end) ||
      begin > end
    ) {
      throw bad(`has bad data_offsets ${JSON.stringify(offsets)}`);
    }
    if (end > dataBytes) {
      throw bad(
        `lies outside the data: bytes ${begin}–${end} of ${dataBytes} (the file is truncated or corrupt)`,
      );
    }
    const expected = shape.reduce((a: number, b: number) => a * b, 1) * (DTYPE_BYTES[dtype] ?? 0);
    if (end - begin !== expected) {
      throw bad(`has ${end - begin} bytes where ${dtype} [${shape.join(', ')}] takes ${expected}`);
    }
    tensors.push({ name: key, dtype, shape: shape as number[], begin, end });
  }
  return { tensors, metadata };
}

/**
 * A tensor's values as float32. Typed arrays use the machine's byte order, as the format's little
 * endian does on every platform browsers run on.
 */
function decode(dtype: string, bytes: Uint8Array): Float32Array {
  const copy = bytes.slice().buffer; // aligned, and owned by the result
  switch (dtype) {
    case 'F32':
      return new Float32Array(copy);
    case 'F64':
      return Float32Array.from(new Float64Array(copy));
    case 'F16':
      return halvesToFloats(new Uint16Array(copy));
    case 'BF16': {
      const bits = Uint32Array.from(new Uint16Array(copy), (h) => h << 16);
      return new Float32Array(bits.buffer);
    }
    default:
      throw new Error(`unreadable dtype ${dtype}`);
  }
}

/** OIHW → HWIO. */
function convKernel(values: Float32Array, [O = 0, I = 0, H = 0, W = 0]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  let from = 0;
  for (let oo = 0; oo < O; oo++) {
    for (let ii = 0; ii < I; ii++) {
      for (let hh = 0; hh < H; hh++) {
        for (let ww = 0; ww < W; ww++)
          out[((hh * W + ww) * I + ii) * O + oo] = values[from++] ?? NaN;
      }
    }
  }
  return out;
}

/** [out, in] → [in, out]. */
function denseKernel(values: Float32Array, [O = 0, I = 0]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  for (let oo = 0; oo < O; oo++) {
    for (let ii = 0; ii < I; ii++) out[ii * O + oo] = values[oo * I + ii] ?? NaN;
  }
  return out;
}

/** Reads one layer's tensors in one call where they lie close together (one FileReaderSync call costs ~2 ms). */
function readTensors(data: Blob, tensors: Tensor[], readSync: ReadSync): Uint8Array[] {
  const lo = Math.min(...tensors.map((t) => t.begin));
  const hi = Math.max(...tensors.map((t) => t.end));
  const total = tensors.reduce((n, t) => n + t.end - t.begin, 0);
  if (hi - lo - total <= 1 << 20) {
    const span = new Uint8Array(readSync(data.slice(lo, hi)));
    return tensors.map((t) => span.subarray(t.begin - lo, t.end - lo));
  }
  return tensors.map((t) => new Uint8Array(readSync(data.slice(t.begin, t.end))));
}

/**
 * Opens a PyTorch DenseNet-121 `.safetensors` file: reads and checks its header now, each layer's
 * values when its read() is called (through `readSync`, FileReaderSync by default: call read() in
 * a worker).
 */
export async function openSafetensors(
  name: string,
  blob: Blob,
  readSync: ReadSync = defaultReadSync,
): Promise<SafetensorsWeightFile> {
  if (blob.size < 8) throw fail(name, `not a safetensors file: it has only ${blob.size} bytes`);
  const start = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  // torch.save writes a ZIP archive (PK\x03\x04) since PyTorch 1.6, a bare pickle (0x80, then
  // the protocol) before. Either start is also a possible header length, so a file that starts so
  // is called a checkpoint only once it fails as safetensors.
  const pickled =
    (start[0] === 0x50 && start[1] === 0x4b && start[2] === 3 && start[3] === 4) ||
    (start[0] === 0x80 && (start[1] ?? 0) >= 2 && (start[1] ?? 0) <= 5);
  const length = new DataView(start.buffer).getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) {
    if (pickled) throw refusePth(name);
    throw fail(name, `not a safetensors file: its header length ${length} is over 100 MB`);
  }
  const headerBytes = Number(length);
  if (8 + headerBytes > blob.size) {
    if (pickled) throw refusePth(name);
    throw fail(
      name,
      `not a safetensors file, or a truncated one: its header length ${headerBytes} runs past the file's ${blob.size} bytes`,
    );
  }
  const header = new Uint8Array(await blob.slice(8, 8 + headerBytes).arrayBuffer());
  if (header[0] !== 0x7b && pickled) throw refusePth(name);
  if (header[0] !== 0x7b)
    throw fail(name, 'not a safetensors file: its header does not start with {');
  const data = blob.slice(8 + headerBytes);
  const { tensors, metadata } = parseHeader(name, header, blob.size - 8 - headerBytes);

  const groups = new Map<string, { kind: Kind; order: number; slots: (Tensor | undefined)[] }>();
  const unmapped: string[] = [];
  for (const tensor of tensors) {
    if (tensor.name.endsWith('.num_batches_tracked')) continue; // a training counter
    const target = kerasTarget(tensor.name);
    if (!target) {
      unmapped.push(tensor.name);
      continue;
    }
    if (!READABLE.has(tensor.dtype)) {
      throw fail(
        name,
        `tensor ${tensor.name} is ${tensor.dtype}: weights must be floats (F32, F16, BF16, F64)`,
      );
    }
    let group = groups.get(target.layer);
    if (!group) {
      group = { kind: target.kind, order: target.order, slots: [] };
      groups.set(target.layer, group);
    }
    const taken = group.slots[target.slot];
    if (taken)
      throw fail(name, `tensors ${taken.name} and ${tensor.name} both give ${target.layer}`);
    group.slots[target.slot] = tensor;
  }
  if (groups.size === 0) {
    const some = tensors.slice(0, 3).map((t) => t.name);
    throw fail(
      name,
      `holds no DenseNet-121 tensors of torchvision's or timm's names (features.conv0.weight, …)${
        some.length ? `; its tensors are named like ${some.join(', ')}` : ''
      }`,
    );
  }

  const layers: FileLayer[] = [...groups.entries()]
    .sort(([, a], [, b]) => a.order - b.order)
    .map(([layer, { kind, slots }]) => {
      const params = SLOTS[kind];
      const present = slots.filter((t): t is Tensor => t !== undefined);
      const [weight] = present;
      for (let i = 0; i < REQUIRED[kind]; i++) {
        if (!slots[i] && weight) {
          const wanted = weight.name.replace(/[^.]+$/, params[i] ?? '');
          throw fail(name, `has ${weight.name} but not ${wanted} (for ${layer})`);
        }
      }
      if (!weight) throw new Error(`no tensors for ${layer}`); // groups are made with one
      const rank = kind === 'conv' ? 4 : kind === 'dense' ? 2 : 1;
      if (weight.shape.length !== rank) {
        throw fail(
          name,
          `tensor ${weight.name} has shape [${weight.shape.join(', ')}], not ${rank}-D`,
        );
      }
      for (const t of present.slice(1)) {
        if (t.shape.length !== 1 || t.shape[0] !== weight.shape[0]) {
          throw fail(
            name,
            `tensor ${t.name} has shape [${t.shape.join(', ')}], not [${weight.shape[0]}]`,
          );
        }
      }
      const [o = 0, i = 0, h = 0, w = 0] = weight.shape;
      const shapes = present.map((t) => t.shape.slice());
      if (kind === 'conv') shapes[0] = [h, w, i, o];
      if (kind === 'dense') shapes[0] = [i, o];
      return {
        name: layer,
        className: CLASS_NAME[kind],
        shapes,
        read: () =>
          readTensors(data, present, readSync).map((bytes, n) => {
            const values = decode(present[n]?.dtype ?? '', bytes);
            if (n > 0 || kind === 'bn') return values;
            return kind === 'conv'
              ? convKernel(values, weight.shape)
              : denseKernel(values, weight.shape);
          }),
      };
    });

  return {
    format: 'safetensors (torchvision DenseNet-121)',
    match: 'name',
    layers,
    unmapped,
    metadata,
    close: () => {},
  };
}
