/**
 * The compute worker's entry: it owns tfjs. It only routes requests to the modules that do the
 * work; the logic lives in those modules, which tests import directly.
 */
import { serveRpc } from './rpc.ts';
import { selectBackend } from './backend.ts';
import { checkBackend } from './checkBackend.ts';
import type { ComputeApi, ProgressEvent } from './protocol.ts';

serveRpc<ComputeApi, ProgressEvent>({
  init: ({ backend }) => selectBackend(backend),
  checkBackend: ({ size }) => checkBackend(size),
});
