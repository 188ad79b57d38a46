/**
 * How many threads the WebAssembly backend trains on: every logical core the browser reports, up
 * to 16, or what `?threads=N` asks for. A browser cannot tell hyper-threads from cores. (tfjs would
 * give XNNPACK half the logical cores, assuming two hyper-threads per core: one thread on a 2-core
 * machine, and the other core idle.) The threads are the project's kernel threads
 * (src/kernels/wasm/native/threads.ts); XNNPACK keeps one, see worker/backend.ts.
 */

import { MAX_WASM_THREADS } from '../pipeline/backends.ts';

export function wasmThreadCount(requested?: number): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const wanted = requested !== undefined && requested >= 1 ? Math.floor(requested) : cores;
  return Math.max(1, Math.min(MAX_WASM_THREADS, wanted));
}
