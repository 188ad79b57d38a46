/**
 * Loads the project's own WebAssembly kernels (the *.c files here, built by `npm run
 * build:kernels`) onto the wasm backend's memory: each module imports the very WebAssembly.Memory
 * tfjs-backend-wasm allocates tensors in, so a kernel reads its inputs and writes its output where
 * tfjs keeps them, with no copies. One instance per backend and module, made on first use: the
 * relaxed-SIMD build (fused multiply-add) where the engine validates it, else plain SIMD.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as probe from './poolGradients.wasm.ts';

/** The four builds of a module, as the generated *.wasm.ts files export them (base64). */
export interface NativeBuilds {
  simd: string;
  simdShared: string;
  relaxedSimd: string;
  relaxedSimdShared: string;
}

/** The parts of tfjs-backend-wasm's Emscripten module these need. */
interface EmscriptenModule {
  /** Single-threaded builds: the module's exports, its memory among them. */
  asm?: { memory?: WebAssembly.Memory };
  /** The threaded build: the shared memory it creates. */
  wasmMemory?: WebAssembly.Memory;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
}

export type NativeFunction = (...args: number[]) => void;

/** Stack for a module, should one ever need it (none does today: all in locals). */
const STACK_BYTES = 64 * 1024;

const instances = new WeakMap<object, Map<NativeBuilds, WebAssembly.Exports>>();

const emscripten = (backend: BackendWasm) => backend.wasm as unknown as EmscriptenModule;

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

let simdSupport: 'relaxed SIMD' | 'SIMD' | null | undefined;

/**
 * Which builds of the project's kernels this engine runs: relaxed SIMD, SIMD, or none (an engine
 * without WebAssembly SIMD, where tfjs-backend-wasm runs its plain build and the kernels that have
 * one fall back to the backend's own).
 */
export function nativeSimd(): 'relaxed SIMD' | 'SIMD' | null {
  simdSupport ??= WebAssembly.validate(decode(probe.relaxedSimd))
    ? 'relaxed SIMD'
    : WebAssembly.validate(decode(probe.simd))
      ? 'SIMD'
      : null;
  return simdSupport;
}

function memoryOf(module: EmscriptenModule): WebAssembly.Memory {
  const memory = module.asm?.memory ?? module.wasmMemory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new Error(
      'The project’s wasm kernels could not find tfjs-backend-wasm’s memory (is this tfjs 4.22?)',
    );
  }
  return memory;
}

function instantiate(module: EmscriptenModule, builds: NativeBuilds): WebAssembly.Exports {
  const memory = memoryOf(module);
  const shared =
    typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const simd = nativeSimd();
  if (!simd) {
    throw new Error(
      'Training on WebAssembly needs WebAssembly SIMD, which this browser lacks: train on another backend',
    );
  }
  const bytes = decode(
    simd === 'relaxed SIMD'
      ? shared
        ? builds.relaxedSimdShared
        : builds.relaxedSimd
      : shared
        ? builds.simdShared
        : builds.simd,
  );
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  // The linker put the module's stack at the bottom of memory, where Emscripten keeps its own data.
  const stackPointer = instance.exports.__stack_pointer as WebAssembly.Global;
  stackPointer.value = module._malloc(STACK_BYTES) + STACK_BYTES;
  return instance.exports;
}

/** A function a module exports, instantiated on this backend's memory. */
export function nativeFunction(
  backend: BackendWasm,
  builds: NativeBuilds,
  name: string,
): NativeFunction {
  const module = emscripten(backend);
  let modules = instances.get(module);
  if (!modules) {
    modules = new Map();
    instances.set(module, modules);
  }
  let exports = modules.get(builds);
  if (!exports) {
    exports = instantiate(module, builds);
    modules.set(builds, exports);
  }
  return exports[name] as NativeFunction;
}

/** Byte offset of a tensor's data in the backend's memory. */
export function address(backend: BackendWasm, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('A wasm kernel was handed a disposed tensor');
  return data.memoryOffset;
}

/** Runs `use` with `values` copied into the backend's memory, at the address it is given. */
export function withInts<T>(backend: BackendWasm, values: number[], use: (at: number) => T): T {
  const module = emscripten(backend);
  const at = module._malloc(values.length * 4);
  try {
    // A view made now: the malloc may have grown the memory, detaching older views.
    new Int32Array(memoryOf(module).buffer).set(values, at / 4);
    return use(at);
  } finally {
    module._free(at);
  }
}
