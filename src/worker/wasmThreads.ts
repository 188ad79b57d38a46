/**
 * How many threads the WebAssembly backend trains on, and how tfjs-backend-wasm is made to take
 * them. tfjs gives XNNPACK half the logical cores the browser reports (it assumes two
 * hyper-threads per core), capped at 8: a 2-core machine got one thread, and the other core sat
 * idle. A browser cannot tell hyper-threads from cores, so the app takes every logical core it
 * reports, up to 8 (tfjs-backend-wasm starts 8 workers), for XNNPACK and the project's own kernels
 * alike; `?threads=N` asks for another count.
 */

/** tfjs-backend-wasm's threaded build starts this many workers. */
export const MAX_WASM_THREADS = 8;

export function wasmThreadCount(requested?: number): number {
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  const wanted = requested !== undefined && requested >= 1 ? Math.floor(requested) : cores;
  return Math.max(1, Math.min(MAX_WASM_THREADS, wanted));
}

/**
 * Runs `start` (the backend's initialisation) while the browser reports `cores` logical cores.
 * tfjs-backend-wasm reads the count once, as its module starts, and caps any thread count asked of
 * it (setThreadsCount) at half of it; reporting twice the threads wanted lifts that cap. The real
 * count is back as soon as `start` settles.
 */
export async function withReportedCores<T>(cores: number, start: () => Promise<T>): Promise<T> {
  const navigator = globalThis.navigator as Navigator | undefined;
  if (!navigator) return start();
  Object.defineProperty(navigator, 'hardwareConcurrency', { value: cores, configurable: true });
  try {
    return await start();
  } finally {
    delete (navigator as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}
