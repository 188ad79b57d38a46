/**
 * The compute worker's entry: it owns tfjs. It only routes requests to the modules that do the
 * work and streams their replies; the logic lives in those modules, which tests import directly.
 */
import { selectBackend } from './backend.ts';
import { checkBackend } from './checkBackend.ts';
import {
  toFailure,
  type Params,
  type ProgressEvent,
  type RequestType,
  type Result,
  type WorkerReply,
  type WorkerRequest,
} from './protocol.ts';

type Handlers = {
  [K in RequestType]: (params: Params<K>, report: (p: ProgressEvent) => void) => Promise<Result<K>>;
};

const handlers: Handlers = {
  init: ({ backend }) => selectBackend(backend),
  checkBackend: ({ size }) => checkBackend(size),
};

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(reply, { transfer });
}

async function serve<K extends RequestType>(id: number, type: K, params: Params<K>): Promise<void> {
  try {
    const result = await handlers[type](params, (progress) =>
      post({ id, status: 'progress', progress }),
    );
    post({ id, status: 'done', result });
  } catch (error) {
    post({ id, status: 'error', error: toFailure(error) });
  }
}

self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  const { id, type, params } = event.data;
  void serve(id, type, params);
});

// A promise nobody awaited must not vanish: the page shows it.
self.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
  post({ id: null, status: 'fatal', error: toFailure(event.reason) });
});
