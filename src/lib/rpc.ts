/**
 * The typed request/reply machinery shared by every worker of the app: compute, ingest, backup and
 * the probe workers that time a backend.
 * An API is a map from request type to its params and result. Requests go by `type`; replies come
 * back by `status`: any number of `progress`, then exactly one `done` or `error`. A `fatal` reply
 * (id null) reports a failure outside any request. Large buffers are transferred, not copied.
 */

export type ApiShape = Record<string, { params: unknown; result: unknown }>;

export type RpcRequest<Api extends ApiShape> = {
  [K in keyof Api & string]: { id: number; type: K; params: Api[K]['params'] };
}[keyof Api & string];

export interface RpcFailure {
  /** Short name of the failure, e.g. "QuotaExceededError", "WorkerCrashed", "Error". */
  name: string;
  message: string;
}

export type RpcReply<Api extends ApiShape, Progress> =
  | { id: number; status: 'progress'; progress: Progress }
  | { id: number; status: 'done'; result: Api[keyof Api]['result'] }
  | { id: number; status: 'error'; error: RpcFailure }
  | { id: null; status: 'fatal'; error: RpcFailure };

/** Turns anything thrown into a failure that survives structured cloning. */
export function toFailure(error: unknown): RpcFailure {
  if (error instanceof Error) return { name: error.name, message: error.message };
  if (error instanceof DOMException) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** An error that came from a worker, keeping the worker's name for it. */
export class WorkerError extends Error {
  constructor(failure: RpcFailure) {
    super(failure.message);
    this.name = failure.name;
  }
}

/** The part of `Worker` the client uses; tests pass a fake. */
export interface WorkerPort<Api extends ApiShape, Progress> {
  postMessage(message: RpcRequest<Api>, options?: { transfer?: Transferable[] }): void;
  addEventListener(
    type: 'message',
    listener: (event: MessageEvent<RpcReply<Api, Progress>>) => void,
  ): void;
  addEventListener(type: 'error', listener: (event: ErrorEvent) => void): void;
  addEventListener(type: 'messageerror', listener: (event: MessageEvent) => void): void;
  terminate(): void;
}

interface Pending<Progress> {
  resolve: (result: never) => void;
  reject: (error: Error) => void;
  onProgress: ((progress: Progress) => void) | undefined;
}

/**
 * The page's side of one worker. A call resolves with the request's result, rejects with the
 * worker's error, and streams progress to a callback. If the worker dies, every pending and later
 * call rejects and `onFatal` hears of it once.
 */
export class RpcClient<Api extends ApiShape, Progress> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<Progress>>();
  private failure: RpcFailure | null = null;

  constructor(
    private readonly worker: WorkerPort<Api, Progress>,
    workerName: string,
    private readonly onFatal: (failure: RpcFailure) => void,
  ) {
    worker.addEventListener('message', (event) => this.receive(event.data));
    worker.addEventListener('error', (event) => {
      event.preventDefault?.();
      this.fail({
        name: 'WorkerCrashed',
        message: `The ${workerName} worker stopped: ${event.message || 'it failed to load or crashed'}. Reload the page to restart it.`,
      });
    });
    worker.addEventListener('messageerror', () =>
      this.fail({
        name: 'WorkerCrashed',
        message: `A message from the ${workerName} worker could not be read.`,
      }),
    );
  }

  call<K extends keyof Api & string>(
    type: K,
    params: Api[K]['params'],
    onProgress?: (progress: Progress) => void,
    transfer: Transferable[] = [],
  ): Promise<Api[K]['result']> {
    if (this.failure) return Promise.reject(new WorkerError(this.failure));
    const id = this.nextId++;
    return new Promise<Api[K]['result']>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (result: never) => void, reject, onProgress });
      this.worker.postMessage({ id, type, params } as RpcRequest<Api>, { transfer });
    });
  }

  private receive(reply: RpcReply<Api, Progress>): void {
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
    else pending.reject(new WorkerError(reply.error));
  }

  private fail(failure: RpcFailure): void {
    if (this.failure) return;
    this.failure = failure;
    for (const pending of this.pending.values()) pending.reject(new WorkerError(failure));
    this.pending.clear();
    this.worker.terminate();
    this.onFatal(failure);
  }
}

/**
 * The page's handle on one worker, started on first use and shared from then on: `start` runs
 * once (it must be `new Worker(new URL('./x.worker.ts', import.meta.url), …)` written out, so
 * that the bundler finds the worker).
 */
export function startedOnce<Api extends ApiShape, Progress>(
  workerName: string,
  start: () => WorkerPort<Api, Progress>,
): (onFatal: (failure: RpcFailure) => void) => RpcClient<Api, Progress> {
  let client: RpcClient<Api, Progress> | null = null;
  return (onFatal) => (client ??= new RpcClient(start(), workerName, onFatal));
}

/** What a handler gets besides its params: a progress callback. */
export type Handlers<Api extends ApiShape, Progress> = {
  [K in keyof Api & string]: (
    params: Api[K]['params'],
    report: (progress: Progress) => void,
  ) => Promise<Api[K]['result']>;
};

/**
 * The worker's side: routes each request to its handler and posts the replies. Requests are served
 * concurrently, so a `stop` or `cancel` request can reach a long-running one. `transferOf` picks
 * the buffers of a result to transfer rather than copy.
 */
export function serveRpc<Api extends ApiShape, Progress>(
  handlers: Handlers<Api, Progress>,
  transferOf: (result: unknown) => Transferable[] = () => [],
): void {
  const post = (reply: RpcReply<Api, Progress>, transfer: Transferable[] = []) =>
    self.postMessage(reply, { transfer });

  self.addEventListener('message', (event: MessageEvent<RpcRequest<Api>>) => {
    const { id, type, params } = event.data;
    const handler = handlers[type] as (
      params: unknown,
      report: (progress: Progress) => void,
    ) => Promise<unknown>;
    handler(params, (progress) => post({ id, status: 'progress', progress }))
      .then((result) =>
        post(
          { id, status: 'done', result: result as Api[keyof Api]['result'] },
          transferOf(result),
        ),
      )
      .catch((error: unknown) => post({ id, status: 'error', error: toFailure(error) }));
  });

  // A promise nobody awaited must not vanish: the page shows it.
  self.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
    post({ id: null, status: 'fatal', error: toFailure(event.reason) });
  });
}
