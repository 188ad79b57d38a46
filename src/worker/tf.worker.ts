/**
 * The compute worker's entry: it owns tfjs. It only routes requests to the modules that do the
 * work; the logic lives in those modules, which tests import directly.
 */
import * as tf from '@tensorflow/tfjs';
import { applyMasks } from '../masking/apply.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { deleteRun } from '../train/checkpoint.ts';
import { trainSegNet } from '../train/segnetTraining.ts';
import { selectBackend } from './backend.ts';
import { checkBackend } from './checkBackend.ts';
import { runExclusive, stopActive } from './jobs.ts';
import type { ComputeApi, ComputeProgress } from './protocol.ts';
import { serveRpc } from './rpc.ts';

const backend = () => tf.getBackend() as BackendName;

serveRpc<ComputeApi, ComputeProgress>({
  init: ({ backend }) => selectBackend(backend),
  checkBackend: ({ size }) => checkBackend(size),
  trainSegNet: (params, report) =>
    runExclusive('Training', (signal) => trainSegNet(params, backend(), report, signal)),
  stop: async () => ({ stopped: stopActive() }),
  deleteRun: async ({ runId, kind }) => {
    await deleteRun({ id: runId, kind });
    return null;
  },
  applyMasks: ({ source }, report) =>
    runExclusive('Masking', (signal) => applyMasks(source, backend(), report, signal)),
});
