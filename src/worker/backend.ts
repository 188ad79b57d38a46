/**
 * Chooses, verifies and describes the tfjs backend (runs inside the worker).
 * Order when none is forced: WebGPU, then WebGL, then WebAssembly, then CPU. A backend counts only
 * after it has computed a known product correctly; every rejected one is reported with its reason.
 * The project's training kernels (src/kernels) are registered before any backend is used, and only
 * on the tfjs version they were written for (src/kernels/tfjsVersion.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {
  getThreadsCount,
  setThreadsCount,
  version_wasm,
  type BackendWasm,
} from '@tensorflow/tfjs-backend-wasm';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-webgpu';
// The package's entry does not export its version; this module of it is only that constant.
import { version as versionWebgpu } from '@tensorflow/tfjs-backend-webgpu/dist/version.js';
import { TFJS_VERSION, tfjsVersionMismatch } from '../kernels/tfjsVersion.ts';
import { registerTrainingKernels } from '../kernels/register.ts';
import {
  BACKENDS,
  BACKEND_LABELS,
  type BackendChoice,
  type BackendName,
} from '../pipeline/backends.ts';
import { checkBackend } from './checkBackend.ts';
import { watchDevice } from '../lib/gpuFaults.ts';
import type { BackendAttempt, BackendInfo } from './protocol.ts';
import { kernelThreads, nativeSimd, startKernelThreads } from '../kernels/wasm/native/module.ts';
import { wasmThreadCount } from './wasmThreads.ts';
import { errorText } from '../lib/errorText.ts';

export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailable';

  constructor(readonly attempts: BackendAttempt[]) {
    super(attempts.map((a) => `${BACKEND_LABELS[a.backend]}: ${a.reason ?? 'failed'}`).join('; '));
  }
}

/** Thrown at start when the tfjs loaded is not the version the kernels were written for. */
export class TfjsVersionError extends Error {
  override name = 'TfjsVersionMismatch';
}

/** The version each loaded tfjs package reports. */
export function loadedTfjsVersions(): Record<string, string | undefined> {
  return {
    ...tf.version,
    'tfjs-backend-wasm': version_wasm,
    'tfjs-backend-webgpu': versionWebgpu,
  };
}

export interface BackendOptions {
  /** Threads for the WebAssembly backend (wasmThreads.ts); every logical core when absent. */
  wasmThreads?: number;
}

/** Why the project's wasm kernels run on one thread where more were asked for, if they do. */
let kernelThreadProblem: string | undefined;

export async function selectBackend(
  choice: BackendChoice,
  options: BackendOptions = {},
): Promise<BackendInfo> {
  const mismatch = tfjsVersionMismatch(loadedTfjsVersions(), TFJS_VERSION);
  if (mismatch) throw new TfjsVersionError(mismatch);
  registerTrainingKernels();
  const candidates: readonly BackendName[] = choice === 'auto' ? BACKENDS : [choice];
  const attempts: BackendAttempt[] = [];
  for (const backend of candidates) {
    const started = performance.now();
    try {
      await activate(backend, options);
    } catch (error) {
      const reason = errorText(error);
      attempts.push({ backend, ok: false, reason, ms: performance.now() - started });
      continue;
    }
    attempts.push({ backend, ok: true, ms: performance.now() - started });
    return {
      backend,
      adapter: await describeAdapter(backend),
      forced: choice !== 'auto',
      attempts,
      tfjsVersion: tf.version.tfjs,
    };
  }
  throw new BackendUnavailableError(attempts);
}

async function activate(backend: BackendName, options: BackendOptions): Promise<void> {
  if (backend === 'webgpu') {
    if (!('gpu' in navigator))
      throw new Error('this browser has no WebGPU (navigator.gpu is missing)');
    if (!(await navigator.gpu.requestAdapter())) throw new Error('no WebGPU adapter is available');
  }
  if (backend === 'wasm') {
    await activateWasm(wasmThreadCount(options.wasmThreads));
    return;
  }
  if (!(await tf.setBackend(backend))) throw new Error('tfjs could not initialise it');
  await tf.ready();
  if (backend === 'webgpu') watchDevice((tf.backend() as WebGPUBackend).device);
  await verify();
}

/**
 * The WebAssembly backend on `threads` threads: the project's kernel threads, which run the
 * convolutions, their gradients and the large per-channel and elementwise work. XNNPACK, which
 * runs what is left (the strided stem, the dense head, small elementwise ops), keeps one thread:
 * its pool's workers spin between its operations and took the cores the kernel threads needed
 * (measured on 2 cores: the seed SegNet's step 1.28 s with XNNPACK on 2 threads, 1.01 s on 1).
 * Where the kernel threads cannot start (the page is not cross-origin isolated, say), the kernels
 * run on one and the adapter line says why.
 */
async function activateWasm(threads: number): Promise<void> {
  setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialise it');
  await tf.ready();
  const wasm = tf.backend() as BackendWasm;
  kernelThreadProblem = undefined;
  const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  if (threads > 1 && threaded && kernelThreads(wasm) !== threads && nativeSimd()) {
    try {
      await startKernelThreads(wasm, threads);
    } catch (error) {
      kernelThreadProblem = errorText(error);
    }
  }
  await verify();
}

/** A small product checked against a JS reference: catches a backend that starts but computes garbage. */
async function verify(): Promise<void> {
  const check = await checkBackend(8);
  if (!(check.maxAbsError <= 1e-3)) {
    throw new Error(
      `it computed a ${check.op} with an error of ${check.maxAbsError} against the reference`,
    );
  }
}

async function describeAdapter(backend: BackendName): Promise<string> {
  if (backend === 'webgpu') {
    const adapter = await navigator.gpu.requestAdapter();
    const info = adapter?.info;
    const words = [info?.vendor, info?.architecture, info?.device, info?.description].filter(
      Boolean,
    );
    return words.length > 0 ? [...new Set(words)].join(' ') : 'WebGPU adapter (unnamed)';
  }
  if (backend === 'webgl') {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
    if (!gl) return 'WebGL 2';
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    return String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  }
  if (backend === 'wasm') {
    // tfjs loads the threaded build only with SIMD and SharedArrayBuffer (cross-origin isolation).
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threaded = simd && (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
    const plural = (n: number) => `${n} thread${n > 1 ? 's' : ''}`;
    const xnnpack = `XNNPACK (${simd ? 'SIMD' : 'no SIMD'}${threaded ? ', threaded build' : ''}, ${plural(getThreadsCount())})`;
    const own = nativeSimd();
    const kernels = own
      ? ` + own kernels (${own}, ${plural(kernelThreads(tf.backend() as BackendWasm))})`
      : '';
    const note = !threaded
      ? globalThis.crossOriginIsolated === true
        ? ''
        : ' (the page is not cross-origin isolated)'
      : kernelThreadProblem
        ? ` (own kernels on one thread: ${kernelThreadProblem})`
        : '';
    return `${xnnpack}${kernels}${note}`;
  }
  const threads = globalThis.navigator?.hardwareConcurrency;
  return threads ? `${threads} CPU threads (tfjs cpu uses one)` : 'CPU (tfjs cpu uses one thread)';
}
