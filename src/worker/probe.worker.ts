/**
 * A probe worker: times one training step on one backend (src/train/stepTiming.ts) and is then
 * thrown away. The backend choice starts one per backend so that a backend too slow to answer in
 * time can be stopped by terminating its worker, GPU work included.
 */
import { timeTrainingStep } from '../train/stepTiming.ts';
import type { ProbeApi } from './backendChoice.ts';
import { serveRpc } from './rpc.ts';
import './wasmFiles.ts';

serveRpc<ProbeApi, never>({ timeStep: (params) => timeTrainingStep(params) });
