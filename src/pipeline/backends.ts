/** The tfjs backends the app knows, in the order they are tried when none is forced. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** What the person asked for: a named backend (`?backend=`), or automatic choice. */
export type BackendChoice = BackendName | 'auto';

export const BACKEND_LABELS: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly',
  cpu: 'CPU (JavaScript)',
};

export function isBackendName(value: string): value is BackendName {
  return (BACKENDS as readonly string[]).includes(value);
}

/**
 * Reads `?backend=` from a query string. An unknown value is an error the person sees, not a silent
 * fallback.
 */
export function backendChoiceFromSearch(search: string): BackendChoice {
  const value = new URLSearchParams(search).get('backend');
  if (value === null || value === '' || value === 'auto') return 'auto';
  if (isBackendName(value)) return value;
  throw new Error(
    `Unknown backend "${value}" in the address (?backend=). Use one of: ${BACKENDS.join(', ')}.`,
  );
}

/**
 * Which engine trains on WebGPU: the app's own (src/engine) where it runs the model and its
 * self-check passes, or tfjs's kernels and optimizer (`?engine=tfjs`).
 */
export type EngineChoice = 'auto' | 'tfjs';

/** Reads `?engine=` from a query string (absent or `auto`: the engine where it can). */
export function engineChoiceFromSearch(search: string): EngineChoice {
  const value = new URLSearchParams(search).get('engine');
  if (value === null || value === '' || value === 'auto') return 'auto';
  if (value === 'tfjs') return 'tfjs';
  throw new Error(`Unknown engine "${value}" in the address (?engine=). Use auto or tfjs.`);
}

/** The most threads the WebAssembly backend trains on (src/worker/wasmThreads.ts). */
export const MAX_WASM_THREADS = 16;

/**
 * Reads `?threads=` from a query string: how many threads the WebAssembly backend trains on (1 to
 * MAX_WASM_THREADS; absent, every logical core). An invalid value is an error the person sees.
 */
export function threadsFromSearch(search: string): number | undefined {
  const value = new URLSearchParams(search).get('threads');
  if (value === null || value === '') return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS) {
    throw new Error(
      `Unknown thread count "${value}" in the address (?threads=). Use 1 to ${MAX_WASM_THREADS}.`,
    );
  }
  return threads;
}
