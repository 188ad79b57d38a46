/**
 * The page's handle on the compute worker (it owns tfjs; the probe workers of backendChoice.ts only
 * time a backend), started once, by the runtime slice's `bootRuntime`. Never imports tfjs.
 */
import { startedOnce, type RpcClient } from '../lib/rpc.ts';
import type { ComputeApi, ComputeProgress } from '../worker/protocol.ts';

export type ComputeClient = RpcClient<ComputeApi, ComputeProgress>;

export const computeClient = startedOnce<ComputeApi, ComputeProgress>(
  'compute',
  () =>
    new Worker(new URL('../worker/compute.worker.ts', import.meta.url), {
      type: 'module',
      name: 'compute',
    }),
);
