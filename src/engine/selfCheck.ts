/**
 * The engine's self-check on the adapter it is about to train on: a tiny SegNet and a tiny
 * DenseNet (colour constancy, strided stem, dense blocks, transition, pooled softmax head), each
 * trained two steps through the engine and through tfjs from the same weights and batch, their
 * losses and weights compared. An adapter whose WGSL compiler or arithmetic the engine does not agree with
 * trains through tfjs instead. The answer is kept per adapter and app version (IndexedDB, beside
 * the backend timings), so the check runs once.
 */
import * as tf from '@tensorflow/tfjs';
import { get, set } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import { buildSegNet } from '../models/segnet.ts';
import { buildDenseNet } from '../models/densenet.ts';
import { DENSENET_QUICK } from '../models/densenetConfig.ts';
import { Random } from '../lib/random.ts';
import { diceLoss } from '../training/segmentationLoss.ts';
import { weightedCrossEntropy } from '../training/classifierModel.ts';
import { TrainingEngine } from './trainingEngine.ts';

export interface SelfCheck {
  passed: boolean;
  /** What was compared, with the figures, in words. */
  detail: string;
}

const BATCH = 2;
const STEPS = 2;
/** Loss and weights within this of tfjs's, relative to the loss and the largest weight. */
const TOLERANCE = 1e-4;
const CLASS_WEIGHTS = [0.5, 2, 1];

/** A model to train both ways, with its loss and a batch for it. */
interface Probe {
  label: string;
  build: () => tf.LayersModel;
  loss: (y: tf.Tensor, p: tf.Tensor) => tf.Tensor;
  classWeights: number[] | null;
  batch: (random: Random) => { x: tf.Tensor; y: tf.Tensor };
}

const uniform = (random: Random, shape: number[], p?: number) =>
  tf.tensor(
    Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () =>
      p === undefined ? random.uniform(0, 1) : random.uniform(0, 1) < p ? 1 : 0,
    ),
    shape,
  );

const PROBES: Probe[] = [
  {
    label: '16 px SegNet',
    build: () => buildSegNet({ inputSize: 16, encoder: [[4, 4], [8]], batchNormMomentum: 0.9 }),
    loss: diceLoss,
    classWeights: null,
    batch: (random) => ({
      x: uniform(random, [BATCH, 16, 16, 3]),
      y: uniform(random, [BATCH, 16, 16, 1], 0.4),
    }),
  },
  {
    label: '16 px DenseNet',
    build: () =>
      buildDenseNet({
        ...DENSENET_QUICK,
        inputSize: 16,
        blocks: [1, 1],
        growthRate: 4,
        initialFilters: 8,
        dropout: 0,
        colorConstancy: true,
      }),
    loss: weightedCrossEntropy(CLASS_WEIGHTS),
    classWeights: CLASS_WEIGHTS,
    batch: (random) => ({
      x: uniform(random, [BATCH, 16, 16, 3]),
      // Labels as tfjs casts them from integers: their storage stays int32 (the engine copies).
      y: tf.tidy(() => tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3).toFloat()),
    }),
  },
];

/**
 * Which probes and kernels a kept answer is for: raised whenever either changes, so that a browser
 * which passed an older check runs the new one (2: the DenseNet probe and its kernels; 3: the
 * products and batch-norm reductions chosen for the adapter; 4: a software adapter's direct
 * products walked by taps and by output rows, in workgroups sized to C; 5: a GPU's batch-norm
 * reductions by slices of the positions).
 */
const CHECK_REVISION = 5;

const checks = store('backendTimings');
const remembered = new Map<string, SelfCheck>();

/** The self-check on `adapter` (a description that names it), run once and then remembered. */
export async function engineSelfCheck(adapter: string): Promise<SelfCheck> {
  const key = `engine-check:r${CHECK_REVISION}:${adapter}:${__APP_VERSION__}`;
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

/** Trains every probe both ways and compares (exported for the checks in the browser). */
export async function runSelfCheck(): Promise<SelfCheck> {
  const details: string[] = [];
  for (const probe of PROBES) {
    const result = await checkProbe(probe);
    if (!result.passed) return result;
    details.push(result.detail);
  }
  return { passed: true, detail: details.join('; ') };
}

async function checkProbe(probe: Probe): Promise<SelfCheck> {
  const sides = [0, 1].map(() => {
    const model = probe.build();
    const optimizer = tf.train.momentum(0.01, 0.9);
    model.compile({ optimizer, loss: probe.loss });
    return { model, optimizer };
  });
  const [reference, engineSide] = sides as [(typeof sides)[0], (typeof sides)[0]];
  engineSide.model.setWeights(reference.model.getWeights());
  const { x, y } = probe.batch(new Random(7));
  let engine: TrainingEngine | null = null;
  try {
    engine = await TrainingEngine.compile(
      engineSide.model,
      engineSide.optimizer,
      BATCH,
      probe.classWeights,
    );
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
      detail: `${STEPS} SGD steps of a ${probe.label}: loss ${lossError.toExponential(1)} and weights ${weightError.toExponential(1)} from tfjs's (relative; at most ${TOLERANCE} passes)`,
    };
  } catch (error) {
    return {
      passed: false,
      detail: `the engine failed on a ${probe.label} on this adapter: ${error instanceof Error ? error.message : String(error)}`,
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
