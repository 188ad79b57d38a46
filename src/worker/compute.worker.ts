/**
 * The compute worker's entry: it owns tfjs. It only routes requests to the modules that do the
 * work; the logic lives in those modules, which tests import directly.
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
import './wasmFiles.ts';
import { checkBackend } from './checkBackend.ts';
import { runIfIdle, stopActive } from './jobs.ts';
import type { ComputeApi, ComputeProgress } from './protocol.ts';
import { serveRpc } from '../lib/rpc.ts';

const backend = () => tf.getBackend() as BackendName;

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

serveRpc<ComputeApi, ComputeProgress>(
  {
    init: ({ backend }) => selectBackend(backend),
    checkBackend: ({ size }) => checkBackend(size),
    trainSegNet: (params, report) =>
      runIfIdle('Training', (signal) => trainSegNet(params, backend(), report, signal)),
    trainClassifier: (params, report) =>
      runIfIdle('Training', (signal) => trainClassifier(params, backend(), report, signal)),
    importPretrained: ({ files }) => runIfIdle('Importing weights', () => importPretrained(files)),
    deletePretrained: async () => {
      await deletePretrained();
      return null;
    },
    exportModel: ({ runId, kind }) => exportModel(kind, runId),
    importModel: ({ files }) => runIfIdle('Importing a model', () => importModel(files)),
    evaluate: (params, report) =>
      runIfIdle('Evaluation', (signal) => evaluateClassifier(params, backend(), report, signal)),
    diagnose: (params) => runIfIdle('Diagnosis', () => diagnose(params)),
    stop: async () => ({ stopped: stopActive() }),
    deleteRun: async ({ runId, kind }) => {
      releaseModels();
      await deleteRun({ id: runId, kind });
      if (kind === 'classifier') {
        await deleteFeatures(runId);
        await deleteEvaluations(runId);
      }
      return null;
    },
    applyMasks: ({ source }, report) =>
      runIfIdle('Masking', (signal) => applyMasks(source, backend(), report, signal)),
  },
  transferOf,
);
