/**
 * The training engine's page (served by Vite's dev server): `window.checkEngine(case)` trains one
 * network through the engine (src/engine) and an identical one through tfjs on the page's WebGPU
 * adapter, and reports how far apart their losses, gradients, weights and checkpoints are and what
 * the engine created per step, for e2e/trainingEngine.spec.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { TrainingEngine } from '../../src/engine/trainingEngine.ts';
import { runSelfCheck, type SelfCheck } from '../../src/engine/selfCheck.ts';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { flushTfjs, webgpuBackend } from '../../src/engine/gpu.ts';
import { batchOf, buildNetwork, compileNetwork, useWebgpu, type Side } from './networks.ts';
import { timeEngine } from './timing.ts';
import { DENSENET_QUICK } from '../../src/models/densenetConfig.ts';
import type {
  DropoutCheck,
  EngineCase,
  EngineCheck,
  EngineTiming,
  EngineTimingCase,
  TensorError,
} from './protocol.ts';

declare global {
  interface Window {
    checkEngine: (c: EngineCase) => Promise<EngineCheck>;
    timeEngine: (c: EngineTimingCase) => Promise<EngineTiming>;
    checkDropout: (rate: number) => Promise<DropoutCheck>;
    selfCheck: () => Promise<SelfCheck>;
  }
}

function compare(
  name: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): TensorError {
  let absolute = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    absolute = Math.max(absolute, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  if (actual.length !== expected.length) absolute = Infinity;
  return { name, relative: absolute / Math.max(scale, 1e-30), absolute, scale };
}

async function weightErrors(a: tf.LayersModel, b: tf.LayersModel): Promise<TensorError[]> {
  return Promise.all(
    a.weights.map(async (w, i) =>
      compare(
        w.name,
        await (b.weights[i] as tf.LayerVariable).read().data(),
        await w.read().data(),
      ),
    ),
  );
}

function model(c: EngineCase, weights?: tf.Tensor[]): Side {
  const built = buildNetwork(c.network);
  if (weights) built.setWeights(weights);
  return compileNetwork(built, c.network, c);
}

/** Activations that are zero on one side and not on the other, over every ReLU of the step. */
async function countReluFlips(
  m: tf.LayersModel,
  engine: TrainingEngine,
  x: tf.Tensor,
): Promise<number> {
  const relus = m.layers.filter(
    (l) =>
      l.name.endsWith('relu') &&
      l.inboundNodes[0]?.inboundLayers[0]?.getClassName() === 'BatchNormalization',
  );
  if (relus.length === 0) return 0;
  const probe = tf.model({
    inputs: m.inputs,
    outputs: relus.map((l) => l.output as tf.SymbolicTensor),
  });
  const outputs = probe.apply(x, { training: true }) as tf.Tensor[];
  let flips = 0;
  for (const [i, layer] of relus.entries()) {
    const tfjs = await (outputs[i] as tf.Tensor).data();
    const own = await engine.output(layer.name.replace(/relu$/, 'bn'));
    for (let k = 0; k < tfjs.length; k++)
      if ((tfjs[k] as number) > 0 !== (own[k] as number) > 0) flips++;
  }
  tf.dispose(outputs);
  return flips;
}

/** A copy of `source` saved and loaded back, as a resumed run loads its checkpoint. */
async function loadedCopy(c: EngineCase, source: tf.LayersModel): Promise<Side> {
  const artifacts = await saveToMemory(source);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return compileNetwork(loaded, c.network, c);
}

/** The loss of trainOnBatch's answer (the loss alone, or with the metrics). */
const lossOf = (result: number | number[]) =>
  (Array.isArray(result) ? result[0] : result) as number;

async function saveToMemory(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return artifacts as tf.io.ModelArtifacts;
}

window.timeEngine = timeEngine;

window.checkEngine = async (c) => {
  await useWebgpu();
  const reference = model(c);
  const weights = reference.model.getWeights();
  const engineSide =
    c.weights === 'checkpoint' ? await loadedCopy(c, reference.model) : model(c, weights);
  const gradientSide = model(c, weights);
  const batches = Array.from({ length: Math.min(c.steps, 4) }, (_, i) =>
    batchOf(c.network, reference.model, c.seed + i, c.batch),
  );
  const classWeights = c.network.kind === 'densenet' ? c.network.classWeights : null;
  const engine = await TrainingEngine.compile(
    engineSide.model,
    engineSide.optimizer,
    c.batch,
    classWeights,
    { kernels: c.kernels, tiles: c.tiles },
  );
  try {
    const first = batches[0] as { x: tf.Tensor4D; y: tf.Tensor };
    // tfjs's gradients on a third copy (its forward pass moves the batch-norm statistics).
    const { grads } = tf.variableGrads(
      () =>
        gradientSide.loss(
          first.y,
          gradientSide.model.apply(first.x, { training: true }) as tf.Tensor,
        ) as tf.Scalar,
      gradientSide.model.trainableWeights.map((w) => w.read() as tf.Variable),
    );
    const engineLoss = await engine.step(first.x, first.y);
    const engineGradients = await engine.gradients();
    const gradients = await Promise.all(
      gradientSide.model.trainableWeights.map(async (w, i) =>
        compare(
          w.name,
          engineGradients.get(engineSide.model.trainableWeights[i]?.name ?? '') ?? [],
          await (grads[(w.read() as tf.Variable).name] as tf.Tensor).data(),
        ),
      ),
    );
    tf.dispose(Object.values(grads));
    const reluFlips = await countReluFlips(gradientSide.model, engine, first.x);
    let laterReluFlips = 0;
    const tfjsLoss = lossOf(await reference.model.trainOnBatch(first.x, first.y));
    const curve: [number, number][] = [[engineLoss, tfjsLoss]];
    const afterStep = await weightErrors(reference.model, engineSide.model);

    // Later steps: the engine's alone are counted.
    const device = (webgpuBackend() as WebGPUBackend).device;
    const counts = {
      buffers: 0,
      bindGroups: 0,
      pipelines: 0,
      shaderModules: 0,
      submits: 0,
      mapAsync: 0,
    };
    let counting = false;
    const count = <T extends object, K extends keyof T>(
      owner: T,
      key: K,
      field: keyof typeof counts,
    ) => {
      const original = owner[key] as unknown as (...args: unknown[]) => unknown;
      owner[key] = function (this: unknown, ...args: unknown[]) {
        if (counting) counts[field]++;
        return original.apply(this, args);
      } as unknown as T[K];
      return () => {
        owner[key] = original as unknown as T[K];
      };
    };
    const restore = [
      count(device, 'createBuffer', 'buffers'),
      count(device, 'createBindGroup', 'bindGroups'),
      count(device, 'createComputePipeline', 'pipelines'),
      count(device, 'createComputePipelineAsync', 'pipelines'),
      count(device, 'createShaderModule', 'shaderModules'),
      count(device.queue, 'submit', 'submits'),
      count(GPUBuffer.prototype, 'mapAsync', 'mapAsync'),
    ];
    try {
      for (let s = 1; s < c.steps; s++) {
        const { x, y } = batches[s % batches.length] as { x: tf.Tensor4D; y: tf.Tensor };
        // What tfjs recorded and did not submit yet is submitted before counting.
        flushTfjs(webgpuBackend() as WebGPUBackend);
        counting = true;
        const e = await engine.step(x, y);
        counting = false;
        // The step's ReLU sides, against tfjs's forward pass with the same weights.
        gradientSide.model.setWeights(reference.model.getWeights());
        laterReluFlips += await countReluFlips(gradientSide.model, engine, x);
        curve.push([e, lossOf(await reference.model.trainOnBatch(x, y))]);
      }
    } finally {
      counting = false;
      restore.forEach((r) => r());
    }
    const later = Math.max(1, c.steps - 1);
    const afterSteps = await weightErrors(reference.model, engineSide.model);

    // A checkpoint of the engine's model, loaded by tfjs, predicts as the engine's model does.
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(await saveToMemory(engineSide.model)));
    const [p1, p2] = [engineSide.model.predict(first.x), loaded.predict(first.x)] as tf.Tensor[];
    const checkpointError = compare(
      'prediction',
      await (p2 as tf.Tensor).data(),
      await (p1 as tf.Tensor).data(),
    ).absolute;
    tf.dispose([p1 as tf.Tensor, p2 as tf.Tensor]);
    loaded.dispose();

    return {
      case: c,
      reluFlips,
      laterReluFlips,
      loss: [engineLoss, tfjsLoss],
      gradients,
      afterStep,
      afterSteps,
      curve,
      perStep: Object.fromEntries(
        Object.entries(counts).map(([k, v]) => [k, v / later]),
      ) as EngineCheck['perStep'],
      dispatchesPerStep: engine.dispatchesPerStep,
      tiles: engine.tiles,
      checkpointError,
    };
  } finally {
    engine.dispose();
    for (const side of [reference, engineSide, gradientSide]) {
      side.model.dispose();
      side.optimizer.dispose();
    }
    tf.dispose(batches.flatMap((b) => [b.x, b.y]));
    tf.dispose(weights);
  }
};

/**
 * Times `steps` training steps of a network on one engine, after one that compiles, counting what
 * the device is asked to create and run per step (tfjs's work and the engine's alike).
 */
/**
 * Trains the quick DenseNet two steps through the engine with dropout at `rate` in its head and
 * reads what the dropout made of its input (the pooled features) in each.
 */
window.checkDropout = async (rate) => {
  await useWebgpu();
  const network = {
    kind: 'densenet' as const,
    config: { ...DENSENET_QUICK, dropout: rate },
    classWeights: null,
  };
  const side = compileNetwork(buildNetwork(network), network, {
    optimizer: 'sgd-momentum',
    learningRate: 0.01,
    momentum: 0.9,
  });
  const engine = await TrainingEngine.compile(side.model, side.optimizer, 16);
  const { x, y } = batchOf(network, side.model, 3, 16);
  try {
    const kept: boolean[][] = [];
    let dropped = 0;
    let nonzero = 0;
    let scaleError = 0;
    for (let step = 0; step < 2; step++) {
      await engine.step(x, y);
      const pooled = await engine.output('avg_pool');
      const out = await engine.output('head_dropout');
      const scale = Math.max(...pooled.map(Math.abs));
      kept.push(Array.from(out, (v) => v !== 0));
      pooled.forEach((p, i) => {
        if (p === 0) return;
        nonzero++;
        const o = out[i] as number;
        if (o === 0) dropped++;
        else scaleError = Math.max(scaleError, Math.abs(o - p / (1 - rate)) / scale);
      });
    }
    const [first, second] = kept as [boolean[], boolean[]];
    const changed = first.filter((k, i) => k !== second[i]).length / first.length;
    return { rate, dropped: dropped / nonzero, scaleError, changed };
  } finally {
    engine.dispose();
    side.model.dispose();
    side.optimizer.dispose();
    tf.dispose([x, y]);
  }
};

/** The engine's self-check, as the app runs it before training on an adapter. */
window.selfCheck = async () => {
  await useWebgpu();
  return runSelfCheck();
};
