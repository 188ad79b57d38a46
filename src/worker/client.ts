/**
 * The page's side of the worker protocol: one compute worker, started once, and typed calls to it.
 * A call resolves with the request's result, rejects with the worker's error, and streams progress
 * to a callback. If the worker itself dies, every pending call rejects and `onFatal` hears of it.
 * This module never imports tfjs.
 */
import type {
  Params,
  ProgressEvent,
  RequestType,
  Result,
  WorkerFailure,
  WorkerReply,
  WorkerRequest,
} from './protocol.ts';

/** The part of `Worker` the client uses; tests pass a fake. */
export interface WorkerPort {
  postMessage(message: WorkerRequest, options?: { transfer?: Transferable[] }): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<WorkerReply>) => void): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: (event: MessageEvent) => void): void;
  terminate(): void;
}

/** An error that came from the worker, keeping the worker's name for it. */
export class ComputeError extends Error {
  constructor(failure: WorkerFailure) {
    super(failure.message);
    this.name = failure.name;
  }
}

interface Pending {
  resolve: (result: never) => void;
  reject: (error: Error) => void;
  onProgress: ((progress: ProgressEvent) => void) | undefined;
}

export class ComputeClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private failure: WorkerFailure | null = null;

  constructor(
    private readonly worker: WorkerPort,
    private readonly onFatal: (failure: WorkerFailure) => void,
  ) {
    worker.addEventListener('message', (event) => this.receive(event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      this.fail({
        name: 'WorkerCrashed',
        message: `The compute worker stopped: ${event.message || 'it failed to load or crashed'}. Reload the page to restart it.`,
      });
    });
    worker.addEventListener('messageerror', () =>
      this.fail({
        name: 'WorkerCrashed',
        message: 'A message from the compute worker could not be read.',
      }),
    );
  }

  call<K extends RequestType>(
    type: K,
    params: Params<K>,
    onProgress?: (progress: ProgressEvent) => void,
    transfer: Transferable[] = [],
  ): Promise<Result<K>> {
    if (this.failure) return Promise.reject(new ComputeError(this.failure));
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: never) => void, reject, onProgress });
      this.worker.postMessage({ id, type, params } as WorkerRequest, { transfer });
    });
  }

  private receive(reply: WorkerReply): void {
    if (reply.status === 'fatal') {
      this.onFatal(reply.error);
      return;
    }
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    if (reply.status === 'progress') {
      pending.onProgress?.(reply.progress);
      return;
    }
    this.pending.delete(reply.id);
    if (reply.status === 'done') pending.resolve(reply.result as never);
    else pending.reject(new ComputeError(reply.error));
  }

  private fail(failure: WorkerFailure): void {
    if (this.failure) return;
    this.failure = failure;
    for (const pending of this.pending.values()) pending.reject(new ComputeError(failure));
    this.pending.clear();
    this.worker.terminate();
    this.onFatal(failure);
  }
}

let shared: ComputeClient | null = null;

/** The app's one compute worker, started on first use. */
export function computeClient(onFatal: (failure: WorkerFailure) => void): ComputeClient {
  shared ??= new ComputeClient(
    new Worker(new URL('./tf.worker.ts', import.meta.url), { type: 'module', name: 'compute' }),
    onFatal,
  );
  return shared;
}
