/**
 * What the compute worker does with each request: the handler table that its entry
 * (compute.worker.ts) serves. The work itself lives in the pipeline's modules; this table only
 * routes, and decides which requests are jobs that run one at a time (jobs.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { diagnose, releaseModels } from '../diagnose/diagnose.ts';
import { evaluateClassifier } from '../evaluation/evaluate.ts';
import { deleteEvaluations } from '../evaluation/record.ts';
import { applyMasks } from '../masking/apply.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { deleteRun } from '../runs/checkpoint.ts';
import { trainClassifier } from '../training/classifierTraining.ts';
import { exportModel, importModel } from '../runs/exchange.ts';
import { deleteFeatures } from '../training/features.ts';
import { deletePretrained, importPretrained } from '../runs/pretrained.ts';
import { trainSegNet } from '../training/segnetTraining.ts';
import { selectBackend } from './backend.ts';
import { checkBackend } from './checkBackend.ts';
import { runIfIdle, stopActive, switchBackendIfIdle } from './jobs.ts';
import type { ComputeApi, ComputeProgress } from './protocol.ts';
import type { Handlers } from '../lib/rpc.ts';

const backend = () => tf.getBackend() as BackendName;

export const computeHandlers: Handlers<ComputeApi, ComputeProgress> = {
  init: ({ backend, threads }) =>
    switchBackendIfIdle(() => selectBackend(backend, { wasmThreads: threads })),
  checkBackend: ({ size }) => checkBackend(size),
  trainSegNet: (params, report) =>
    runIfIdle('Training', (signal) => trainSegNet(params, backend(), report, signal)),
  trainClassifier: (params, report) =>
    runIfIdle('Training', (signal) => trainClassifier(params, backend(), report, signal)),
  importPretrained: ({ files }) =>
    runIfIdle('Importing weights', () => importPretrained(files), { stoppable: false }),
  deletePretrained: () =>
    runIfIdle(
      'Deleting the ImageNet weights',
      async () => {
        await deletePretrained();
        return null;
      },
      { stoppable: false },
    ),
  exportModel: ({ runId, kind }) => exportModel(kind, runId),
  importModel: ({ files }) =>
    runIfIdle('Importing a model', () => importModel(files), { stoppable: false }),
  evaluate: (params, report) =>
    runIfIdle('Evaluation', (signal) => evaluateClassifier(params, backend(), report, signal)),
  diagnose: (params) => runIfIdle('Diagnosis', () => diagnose(params), { stoppable: false }),
  stop: async () => ({ stopped: stopActive() }),
  // A run, or the weights a run starts from, is never deleted under a job that may be using it.
  deleteRun: ({ runId, kind }) =>
    runIfIdle(
      'Deleting a run',
      async () => {
        releaseModels();
        await deleteRun({ id: runId, kind });
        if (kind === 'classifier') {
          await deleteFeatures(runId);
          await deleteEvaluations(runId);
        }
        return null;
      },
      { stoppable: false },
    ),
  applyMasks: ({ source, options }, report) =>
    runIfIdle('Masking', (signal) => applyMasks(source, options, backend(), report, signal)),
};
