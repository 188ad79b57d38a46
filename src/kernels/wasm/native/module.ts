/**
 * Loads the project's own WebAssembly kernels (the *.c files here, built by `npm run
 * build:kernels`) onto the wasm backend's memory: each module imports the very WebAssembly.Memory
 * tfjs-backend-wasm allocates tensors in, so a kernel reads its inputs and writes its output where
 * tfjs keeps them, with no copies. One instance per backend and module, made on first use: the
 * relaxed-SIMD build (fused multiply-add) where the engine validates it, else plain SIMD. Where
 * tfjs runs its threaded build, helper threads share the kernels' work (threads.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as adam from './adam.wasm.ts';
import * as channels from './channels.wasm.ts';
import * as conv2d from './conv2d.wasm.ts';
import * as filterGradient from './filterGradient.wasm.ts';
import * as probe from './poolGradients.wasm.ts';
import * as winograd from './winograd.wasm.ts';
import { canBlock, KernelThreads, spawnBrowserThread, type SpawnThread } from './threads.ts';

/** Every kernel module, for the helper threads to load (all of them, before any is used). */
const KERNEL_MODULES = [adam, channels, conv2d, filterGradient, probe, winograd];

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

/** What it returns is undefined for the kernels, which write their outputs, and a number else. */
export type NativeFunction = (...args: number[]) => unknown;

/** Stack for each instance of a module (each thread has its own): a few small locals. */
const STACK_BYTES = 64 * 1024;

const instances = new WeakMap<object, Map<NativeBuilds, Loaded>>();

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

const isShared = (memory: WebAssembly.Memory) =>
  typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;

const compiled = new Map<string, WebAssembly.Module>();

/** The build of a module this engine runs, compiled once. */
function compiledModule(builds: NativeBuilds, shared: boolean): WebAssembly.Module {
  const simd = nativeSimd();
  if (!simd) {
    throw new Error(
      'Training on WebAssembly needs WebAssembly SIMD, which this browser lacks: train on another backend',
    );
  }
  const base64 =
    simd === 'relaxed SIMD'
      ? shared
        ? builds.relaxedSimdShared
        : builds.relaxedSimd
      : shared
        ? builds.simdShared
        : builds.simd;
  let module = compiled.get(base64);
  if (!module) {
    module = new WebAssembly.Module(decode(base64));
    compiled.set(base64, module);
  }
  return module;
}

/** A stack of the module's own, in memory malloc'ed from the backend: its top. */
const allocateStack = (module: EmscriptenModule) => () => module._malloc(STACK_BYTES) + STACK_BYTES;

interface Loaded {
  module: WebAssembly.Module;
  exports: WebAssembly.Exports;
}

function instantiate(module: EmscriptenModule, builds: NativeBuilds): Loaded {
  const memory = memoryOf(module);
  const wasm = compiledModule(builds, isShared(memory));
  const instance = new WebAssembly.Instance(wasm, { env: { memory } });
  // The linker put the module's stack at the bottom of memory, where Emscripten keeps its own data.
  const stackPointer = instance.exports.__stack_pointer as WebAssembly.Global;
  stackPointer.value = allocateStack(module)();
  return { module: wasm, exports: instance.exports };
}

function loaded(backend: BackendWasm, builds: NativeBuilds): Loaded {
  const module = emscripten(backend);
  let modules = instances.get(module);
  if (!modules) {
    modules = new Map();
    instances.set(module, modules);
  }
  let entry = modules.get(builds);
  if (!entry) {
    entry = instantiate(module, builds);
    modules.set(builds, entry);
  }
  return entry;
}

/** A function a module exports, instantiated on this backend's memory, run on this thread. */
export function nativeFunction(
  backend: BackendWasm,
  builds: NativeBuilds,
  name: string,
): NativeFunction {
  return loaded(backend, builds).exports[name] as NativeFunction;
}

/**
 * Multiply-adds (or the like) below which a part is not worth a thread: waking a helper costs tens
 * of microseconds, about what this much work takes.
 */
export const WORK_PER_PART = 1 << 18;

/**
 * A kernel that threads may share: a function whose last two parameters are `part, parts` and
 * whose parts write disjoint shares of its output. Called with the other arguments and an estimate
 * of its work; split over the backend's kernel threads (startKernelThreads) where there are some
 * and the work is worth it, else run whole here. Returns the number of parts it ran in.
 */
export function nativeKernel(
  backend: BackendWasm,
  builds: NativeBuilds,
  name: string,
): (args: number[], work: number) => number {
  const { module, exports } = loaded(backend, builds);
  const local = exports[name] as NativeFunction;
  return (args, work) => {
    const threads = pools.get(emscripten(backend));
    const parts = Math.min(threads?.threads ?? 1, Math.max(1, Math.floor(work / WORK_PER_PART)));
    if (!threads || parts < 2) local(...args, 0, 1);
    else threads.run(module, name, args, parts, local);
    return threads && parts >= 2 ? parts : 1;
  };
}

const pools = new WeakMap<object, KernelThreads>();

/**
 * Gives the backend's kernels `threads` threads in all (this one and `threads - 1` helpers), once
 * the helpers are serving; stops any it had before. 1 stops them. Needs the threaded build's
 * shared memory and a thread that may block (see threads.ts); throws, leaving one thread, if the
 * helpers cannot start.
 */
export async function startKernelThreads(
  backend: BackendWasm,
  threads: number,
  spawn: SpawnThread = spawnBrowserThread,
): Promise<void> {
  const module = emscripten(backend);
  pools.get(module)?.stop();
  pools.delete(module);
  if (threads < 2) return;
  if (!canBlock()) throw new Error('this thread cannot wait for others (Atomics.wait)');
  const memory = memoryOf(module);
  const pool = await KernelThreads.start({
    memory,
    modules: KERNEL_MODULES.map((builds) => loaded(backend, builds).module),
    threads,
    allocateStack: allocateStack(module),
    spawn,
  });
  pools.set(module, pool);
}

/** Threads the backend's kernels run on: 1 unless startKernelThreads gave it more. */
export const kernelThreads = (backend: BackendWasm): number =>
  pools.get(emscripten(backend))?.threads ?? 1;

/** Calls split over threads so far on this backend (for the tests). */
export const parallelKernelCalls = (backend: BackendWasm): number =>
  pools.get(emscripten(backend))?.parallelCalls ?? 0;

/** Byte offset of a tensor's data in the backend's memory. */
export function address(backend: BackendWasm, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('A wasm kernel was handed a disposed tensor');
  return data.memoryOffset;
}

/** Runs `use` with `values` copied into the backend's memory, at the address it is given. */
function withValues<T>(
  backend: BackendWasm,
  values: number[],
  View: Int32ArrayConstructor | Float32ArrayConstructor,
  use: (at: number) => T,
): T {
  const module = emscripten(backend);
  const at = module._malloc(values.length * 4);
  try {
    // A view made now: the malloc may have grown the memory, detaching older views.
    new View(memoryOf(module).buffer).set(values, at / 4);
    return use(at);
  } finally {
    module._free(at);
  }
}

/** Runs `use` with `values` copied into the backend's memory as ints, at the address it is given. */
export const withInts = <T>(backend: BackendWasm, values: number[], use: (at: number) => T): T =>
  withValues(backend, values, Int32Array, use);

/** The same with floats. */
export const withFloats = <T>(backend: BackendWasm, values: number[], use: (at: number) => T): T =>
  withValues(backend, values, Float32Array, use);
