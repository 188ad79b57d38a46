/**
 * The engine's self-check on the adapter it is about to train on: one tiny SegNet trained two
 * steps through the engine and through tfjs from the same weights and batch, their losses and
 * weights compared. An adapter whose WGSL compiler or arithmetic the engine does not agree with
 * trains through tfjs instead. The answer is kept per adapter and app version (IndexedDB, beside
 * the backend timings), so the check runs once.
 */
import * as tf from '@tensorflow/tfjs';
import { get, set } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import { buildSegNet } from '../models/segnet.ts';
import { Random } from '../lib/random.ts';
import { diceLoss } from '../training/segmentationLoss.ts';
import { TrainingEngine } from './trainingEngine.ts';

export interface SelfCheck {
  passed: boolean;
  /** What was compared, with the figures, in words. */
  detail: string;
}

const PROBE = { inputSize: 16, encoder: [[4, 4], [8]], batchNormMomentum: 0.9 };
const BATCH = 2;
const STEPS = 2;
/** Loss and weights within this of tfjs's, relative to the loss and the largest weight. */
const TOLERANCE = 1e-4;

const checks = store('backendTimings');
const remembered = new Map<string, SelfCheck>();

/** The self-check on `adapter` (a description that names it), run once and then remembered. */
export async function engineSelfCheck(adapter: string): Promise<SelfCheck> {
  const key = `engine-check:${adapter}:${__APP_VERSION__}`;
  const known = remembered.get(key) ?? (await get<SelfCheck>(key, checks).catch(() => undefined));
  if (known) {
    remembered.set(key, known);
    return known;
  }
  const result = await runSelfCheck();
  remembered.set(key, result);
  await set(key, result, checks).catch(() => undefined);
  return result;
}

/** Trains the probe SegNet both ways and compares (exported for the checks in the browser). */
export async function runSelfCheck(): Promise<SelfCheck> {
  const sides = [0, 1].map(() => {
    const model = buildSegNet(PROBE);
    const optimizer = tf.train.momentum(0.01, 0.9);
    model.compile({ optimizer, loss: diceLoss });
    return { model, optimizer };
  });
  const [reference, engineSide] = sides as [(typeof sides)[0], (typeof sides)[0]];
  engineSide.model.setWeights(reference.model.getWeights());
  const random = new Random(7);
  const size = PROBE.inputSize;
  const x = tf.tensor4d(
    Float32Array.from({ length: BATCH * size * size * 3 }, () => random.uniform(0, 1)),
    [BATCH, size, size, 3],
  );
  const y = tf.tensor4d(
    Float32Array.from({ length: BATCH * size * size }, () => (random.uniform(0, 1) < 0.4 ? 1 : 0)),
    [BATCH, size, size, 1],
  );
  let engine: TrainingEngine | null = null;
  try {
    engine = await TrainingEngine.compile(engineSide.model, engineSide.optimizer, BATCH);
    let lossError = 0;
    for (let step = 0; step < STEPS; step++) {
      const own = await engine.step(x, y);
      const tfjs = (await reference.model.trainOnBatch(x, y)) as number;
      lossError = Math.max(lossError, Math.abs(own - tfjs) / Math.max(Math.abs(tfjs), 1e-6));
    }
    let weightError = 0;
    let scale = 0;
    for (const [i, weight] of reference.model.weights.entries()) {
      const expected = await weight.read().data();
      const actual = await (engineSide.model.weights[i] as tf.LayerVariable).read().data();
      expected.forEach((value, k) => {
        weightError = Math.max(weightError, Math.abs((actual[k] as number) - value));
        scale = Math.max(scale, Math.abs(value));
      });
    }
    weightError /= Math.max(scale, 1e-12);
    const passed = lossError <= TOLERANCE && weightError <= TOLERANCE;
    return {
      passed,
      detail: `${STEPS} SGD steps of a ${size} px SegNet: loss ${lossError.toExponential(1)} and weights ${weightError.toExponential(1)} from tfjs's (relative; at most ${TOLERANCE} passes)`,
    };
  } catch (error) {
    return {
      passed: false,
      detail: `the engine failed on this adapter: ${error instanceof Error ? error.message : String(error)}`,
    };
  } finally {
    engine?.dispose();
    tf.dispose([x, y]);
    for (const side of sides) {
      side.model.dispose();
      side.optimizer.dispose();
    }
  }
}
