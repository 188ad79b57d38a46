/**
 * The filter gradient in the project's own WebAssembly (native/filter_gradient.c), run on the wasm
 * backend's memory: the module imports the very WebAssembly.Memory tfjs-backend-wasm allocates
 * tensors in, so it reads x and dy and writes the gradient in place, with no copies. One instance
 * per backend module, made on first use.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { plainMemory, sharedMemory } from './native/filterGradient.wasm.ts';

/** The parts of tfjs-backend-wasm's Emscripten module this needs. */
interface EmscriptenModule {
  /** Single-threaded builds: the module's exports, its memory among them. */
  asm?: { memory?: WebAssembly.Memory };
  /** The threaded build: the shared memory it creates. */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
}

type FilterGradient = (...args: number[]) => void;

/** Floats of x and dy the kernel keeps together in one block of pixels: 64 KB, within L2. */
const BLOCK_FLOATS = 16384;
/** Stack for the module, should it ever need one (it does not today: all in locals). */
const STACK_BYTES = 64 * 1024;

const instances = new WeakMap<object, FilterGradient>();

function instantiate(module: EmscriptenModule): FilterGradient {
  const memory = module.asm?.memory ?? module.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error(
      'The wasm filter gradient could not find tfjs-backend-wasm’s memory (is this tfjs 4.22?)',
    );
  }
  const shared =
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = Uint8Array.from(atob(shared ? sharedMemory : plainMemory), (c) => c.charCodeAt(0));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const stackPointer = instance.exports.__stack_pointer as WebAssembly.Global;
  stackPointer.value = module._malloc(STACK_BYTES) + STACK_BYTES;
  return instance.exports.filterGradient as FilterGradient;
}

/** Byte offset of a tensor's data in the backend's memory. */
function address(backend: BackendWasm, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('The wasm filter gradient was handed a disposed tensor');
  return data.memoryOffset;
}

/** dW, [kh, kw, inC, outC], of a convolution of x (NHWC) whose output gradient is dy. */
export function nativeFilterGradient(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const module = backend.wasm as unknown as EmscriptenModule;
  let filterGradient = instances.get(module);
  if (!filterGradient) {
    filterGradient = instantiate(module);
    instances.set(module, filterGradient);
  }
  const [batch, h, w, inC] = x.shape as [number, number, number, number];
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, outChannels } = info;
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('The wasm filter gradient supports dilation 1 only');
  }
  const out = backend.makeOutput([kh, kw, inC, outChannels], 'float32');
  filterGradient(
    address(backend, x),
    address(backend, dy),
    address(backend, out),
    batch,
    h,
    w,
    inC,
    outHeight,
    outWidth,
    outChannels,
    kh,
    kw,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
    BLOCK_FLOATS,
  );
  return out;
}
