/**
 * A probe worker: times one training step on one backend (src/training/stepTiming.ts) and is then
 * thrown away. The backend choice starts one per backend so that a backend too slow to answer in
 * time can be stopped by terminating its worker, GPU work included.
 */
import { selectBackend } from './backend.ts';
import { timeTrainingStep } from '../training/stepTiming.ts';
import type { ProbeApi } from './protocol.ts';
import { serveRpc } from '../lib/rpc.ts';
import './wasmFiles.ts';

serveRpc<ProbeApi, never>({
  timeStep: async (params) => timeTrainingStep(params, await selectBackend(params.backend)),
});
