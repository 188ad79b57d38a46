/**
 * Runs a native kernel on a memory of its own, for the tests: the inputs and outputs laid out one
 * after another with guard zones between them, so a test can check that the kernel wrote its
 * outputs and nothing else (the app runs these modules on the memory tfjs keeps every tensor in).
 */
import type { NativeBuilds } from './module.ts';

const GUARD = 64; // floats before and after every buffer
const SENTINEL = -12345.5;

/** The four builds of a module, named for the test titles. */
export function eachBuild(builds: NativeBuilds): [string, string, boolean][] {
  return [
    ['SIMD', builds.simd, false],
    ['SIMD, shared memory', builds.simdShared, true],
    ['relaxed SIMD', builds.relaxedSimd, false],
    ['relaxed SIMD, shared memory', builds.relaxedSimdShared, true],
  ];
}

/** Whether this engine runs a module's relaxed-SIMD builds (vite.config.ts flags it for Node 20). */
export const relaxedSimdRuns = (builds: NativeBuilds): boolean =>
  [builds.relaxedSimd, builds.relaxedSimdShared].every((b) =>
    WebAssembly.validate(Buffer.from(b, 'base64')),
  );

export interface Buffers {
  /** Inputs, copied in; left as they were, or the run reports it. `null`: address 0, no buffer. */
  inputs: (Float32Array | Int32Array | null)[];
  /** Sizes of the outputs, in floats. */
  outputs: number[];
}

export interface Call {
  /**
   * The arguments: the byte addresses of the inputs then the outputs followed by these, or a
   * function of those addresses (for a kernel that takes them in another order).
   */
  args: number[] | ((at: number[]) => number[]);
  /**
   * Runs the kernel as this many parts, one after another in reverse order (the last two
   * arguments are `part, parts`), as threads share it; absent: a kernel without parts.
   */
  parts?: number;
  /**
   * An Int32Array input (its index) to fill with the outputs' byte addresses before the call, for
   * a kernel that writes to several outputs listed in memory.
   */
  targets?: number;
  /**
   * An Int32Array input (its index) to fill with the byte addresses of the inputs before it, for
   * a kernel that reads several inputs listed in memory.
   */
  sources?: number;
  /** Called first, with the module's functions and the addresses (a packing step, say). */
  prepare?: (run: (name: string, ...args: number[]) => void, at: number[]) => void;
  /** Called after the kernel's parts, likewise (a step that combines what the parts wrote). */
  finish?: (run: (name: string, ...args: number[]) => void, at: number[]) => void;
}

/** Calls `name` as `call` says. Returns the outputs and whether everything outside them is as it was. */
export function runNative(
  build: string,
  shared: boolean,
  name: string,
  { inputs, outputs }: Buffers,
  call: Call,
): { outputs: Float32Array[]; untouched: boolean } {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared });
  const bytes = Uint8Array.from(Buffer.from(build, 'base64'));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const kernel = instance.exports[name] as (...args: number[]) => void;
  const sizes = [...inputs.map((i) => i?.length ?? 0), ...outputs];
  const needed = (1 << 20) + (sizes.reduce((a, b) => a + b, 0) + GUARD * (sizes.length + 1)) * 4;
  if (needed > memory.buffer.byteLength)
    memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
  const heap = new Float32Array(memory.buffer);
  heap.fill(SENTINEL);
  // From 1 MB up: the module's own stack sits lower.
  const offsets: number[] = [];
  let at = (1 << 20) / 4 + GUARD;
  for (const size of sizes) {
    offsets.push(at);
    at += size + GUARD;
  }
  const ints = new Int32Array(memory.buffer);
  inputs.forEach((input, i) => {
    if (input instanceof Int32Array) ints.set(input, offsets[i]);
    else if (input) heap.set(input, offsets[i]);
  });
  const addresses = offsets.map((o, i) => (i < inputs.length && !inputs[i] ? 0 : o * 4));
  if (call.targets !== undefined) {
    const targets = inputs[call.targets] as Int32Array;
    targets.set(addresses.slice(inputs.length));
    ints.set(targets, offsets[call.targets]);
  }
  if (call.sources !== undefined) {
    const sources = inputs[call.sources] as Int32Array;
    sources.set(addresses.slice(0, call.sources));
    ints.set(sources, offsets[call.sources]);
  }
  const run = (f: string, ...a: number[]) =>
    (instance.exports[f] as (...a: number[]) => void)(...a);
  call.prepare?.(run, addresses);
  const args =
    typeof call.args === 'function' ? call.args(addresses) : [...addresses, ...call.args];
  if (call.parts === undefined) kernel(...args);
  else for (let part = call.parts - 1; part >= 0; part--) kernel(...args, part, call.parts);
  call.finish?.(run, addresses);
  const outputOffsets = offsets.slice(inputs.length);
  let untouched = inputs.every((input, i) => {
    if (!input) return true;
    const stored = (input instanceof Int32Array ? ints : heap).subarray(
      offsets[i],
      (offsets[i] as number) + input.length,
    );
    return stored.every((v, j) => v === input[j]);
  });
  // Every guard zone, and nothing but outputs written between them.
  let previousEnd = (1 << 20) / 4;
  offsets.forEach((offset, i) => {
    untouched &&= heap.subarray(previousEnd, offset).every((v) => v === SENTINEL);
    previousEnd = offset + (sizes[i] as number);
  });
  untouched &&= heap.subarray(previousEnd, at).every((v) => v === SENTINEL);
  return {
    outputs: outputOffsets.map((o, i) => heap.slice(o, o + (outputs[i] as number))),
    untouched,
  };
}
