/**
 * The compute worker's entry: it owns tfjs. It only serves the handler table (computeHandlers.ts),
 * which routes each request to the module that does the work; tests import those directly.
 */
import { computeHandlers } from './computeHandlers.ts';
import './wasmFiles.ts';
import type { ComputeApi, ComputeProgress } from './protocol.ts';
import { serveRpc } from '../lib/rpc.ts';

/**
 * Large buffers in a result (an exported model's weights, a diagnosis's images, predictions) move
 * to the page instead of being copied; the worker keeps none of them.
 */
function transferOf(result: unknown, depth = 0, found = new Set<ArrayBuffer>()): Transferable[] {
  if (ArrayBuffer.isView(result) && result.buffer instanceof ArrayBuffer) found.add(result.buffer);
  else if (result instanceof ArrayBuffer) found.add(result);
  else if (typeof result === 'object' && result !== null && depth < 3) {
    for (const value of Object.values(result)) transferOf(value, depth + 1, found);
  }
  return [...found];
}

serveRpc<ComputeApi, ComputeProgress>(computeHandlers, transferOf);
