/**
 * The one typed protocol between the page and the compute worker (which owns tfjs).
 * Requests go by `type`; replies come back by `status`: `progress` (any number), then exactly one
 * `done` or `error`. A `fatal` reply (id null) means the worker itself failed outside any request.
 */
import type { BackendChoice, BackendName } from '../pipeline/backends.ts';
import type { StageId } from '../pipeline/stages.ts';

/** One backend the worker tried while starting, and how that went. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it was rejected, in words a person can act on. */
  reason?: string;
  /** Time to initialise and verify it. */
  ms: number;
}

export interface BackendInfo {
  backend: BackendName;
  /** The GPU adapter or device in words, e.g. "google swiftshader", or the CPU core count. */
  adapter: string;
  /** True when `?backend=` named it. */
  forced: boolean;
  attempts: BackendAttempt[];
  tfjsVersion: string;
}

export interface BackendCheck {
  backend: BackendName;
  /** The operation that ran, in words. */
  op: string;
  /** Largest absolute difference from a plain-JavaScript reference. */
  maxAbsError: number;
  /** Wall time of the op including the read-back, after a warm-up run. */
  ms: number;
}

export interface ProgressEvent {
  stage: StageId;
  /** 0..1 */
  fraction: number;
  message: string;
}

/** Every request the worker serves: its parameters, its result, and its progress payload. */
export interface WorkerApi {
  /** Pick and verify a backend; must come first. */
  init: { params: { backend: BackendChoice }; result: BackendInfo };
  /** Run a known matrix product on the active backend and compare it with a reference. */
  checkBackend: { params: { size: number }; result: BackendCheck };
}

export type RequestType = keyof WorkerApi;
export type Params<K extends RequestType> = WorkerApi[K]['params'];
export type Result<K extends RequestType> = WorkerApi[K]['result'];

export type WorkerRequest = {
  [K in RequestType]: { id: number; type: K; params: Params<K> };
}[RequestType];

export interface WorkerFailure {
  /** Short name of the failure, e.g. "OutOfMemory", "DeviceLost", "Error". */
  name: string;
  message: string;
}

export type WorkerReply =
  | { id: number; status: 'progress'; progress: ProgressEvent }
  | { id: number; status: 'done'; result: Result<RequestType> }
  | { id: number; status: 'error'; error: WorkerFailure }
  | { id: null; status: 'fatal'; error: WorkerFailure };

/** Turns anything thrown into a failure that survives structured cloning. */
export function toFailure(error: unknown): WorkerFailure {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}
