/**
 * Which engine trains a model: the app's own (trainingEngine.ts) on WebGPU, wherever it runs the
 * model and its self-check passed on the adapter, unless the person asked for tfjs
 * (`?engine=tfjs`); tfjs's `trainOnBatch` everywhere else. Says which, and why, for the run.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendName, EngineChoice } from '../pipeline/backends.ts';
import { adapterKey, webgpuBackend } from './gpu.ts';
import { engineSelfCheck } from './selfCheck.ts';
import { EngineUnavailable, TrainingEngine } from './trainingEngine.ts';

export interface EngineInUse {
  /** The engine, or null: tfjs trains. */
  engine: TrainingEngine | null;
  /** What trains, in words, e.g. "the WebGPU engine (94 dispatches a step)". */
  description: string;
}

export async function chooseEngine(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: number,
  backend: BackendName,
  choice: EngineChoice,
  classWeights: number[] | null = null,
): Promise<EngineInUse> {
  if (backend !== 'webgpu') return { engine: null, description: 'tfjs' };
  if (choice === 'tfjs') {
    return { engine: null, description: 'tfjs (as asked: ?engine=tfjs or the Performance panel)' };
  }
  let engine: TrainingEngine;
  try {
    engine = await TrainingEngine.compile(model, optimizer, batch, classWeights);
  } catch (error) {
    if (error instanceof EngineUnavailable) {
      return { engine: null, description: `tfjs (${error.message})` };
    }
    throw error;
  }
  const gpu = webgpuBackend();
  const check = gpu
    ? await engineSelfCheck(adapterKey(gpu))
    : { passed: false, detail: 'no WebGPU backend' };
  if (!check.passed) {
    engine.dispose();
    return {
      engine: null,
      description: `tfjs (the WebGPU engine's self-check failed on this adapter: ${check.detail})`,
    };
  }
  return {
    engine,
    description: `the WebGPU engine (${engine.dispatchesPerStep} dispatches and 1 submit a step)`,
  };
}
