/**
 * The training engine's page (served by Vite's dev server): `window.checkEngine(case)` trains one
 * SegNet through the engine (src/engine) and an identical one through tfjs on the page's WebGPU
 * adapter, and reports how far apart their losses, gradients, weights and checkpoints are and what
 * the engine created per step, for e2e/trainingEngine.spec.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { TrainingEngine } from '../../src/engine/trainingEngine.ts';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { flushTfjs, webgpuBackend } from '../../src/engine/gpu.ts';
import { Random } from '../../src/lib/random.ts';
import { buildSegNet } from '../../src/models/segnet.ts';
import type { SegNetTraining } from '../../src/pipeline/presets.ts';
import { diceLoss } from '../../src/training/segmentationLoss.ts';
import { compileSegNet } from '../../src/training/segnetTraining.ts';
import type {
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
  }
}

async function useWebgpu(): Promise<void> {
  if (tf.getBackend() !== 'webgpu' && !(await tf.setBackend('webgpu'))) {
    throw new Error('This browser gives the page no WebGPU backend');
  }
  await tf.ready();
}

/** Images in 0..1 and masks of a disc per image, as GPU tensors. */
function batchOf(seed: number, batch: number, size: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const random = new Random(seed);
  const images = Float32Array.from({ length: batch * size * size * 3 }, () => random.uniform(0, 1));
  const masks = new Float32Array(batch * size * size);
  for (let b = 0; b < batch; b++) {
    const cy = random.uniform(0.3, 0.7) * size;
    const cx = random.uniform(0.3, 0.7) * size;
    const r = random.uniform(0.15, 0.35) * size;
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        masks[(b * size + y) * size + x] = (y - cy) ** 2 + (x - cx) ** 2 < r * r ? 1 : 0;
  }
  // Through a kernel, so that both live in GPU buffers as a real batch does.
  return tf.tidy(() => ({
    x: tf.mul(tf.tensor4d(images, [batch, size, size, 3]), 1),
    y: tf.mul(tf.tensor4d(masks, [batch, size, size, 1]), 1),
  }));
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

function model(
  c: EngineCase,
  weights?: tf.Tensor[],
): { model: tf.LayersModel; optimizer: tf.Optimizer } {
  const built = buildSegNet(c.model);
  if (weights) built.setWeights(weights);
  const training = {
    optimizer: c.optimizer,
    learningRate: c.learningRate,
    momentum: c.momentum,
  } as SegNetTraining;
  return { model: built, optimizer: compileSegNet(built, training) };
}

/** Activations that are zero on one side and not on the other, over every ReLU of the step. */
async function countReluFlips(
  m: tf.LayersModel,
  engine: TrainingEngine,
  x: tf.Tensor,
): Promise<number> {
  const relus = m.layers.filter((l) => l.name.endsWith('_relu'));
  const probe = tf.model({
    inputs: m.inputs,
    outputs: relus.map((l) => l.output as tf.SymbolicTensor),
  });
  const outputs = probe.apply(x, { training: true }) as tf.Tensor[];
  let flips = 0;
  for (const [i, layer] of relus.entries()) {
    const tfjs = await (outputs[i] as tf.Tensor).data();
    const own = await engine.output(layer.name.replace(/_relu$/, '_bn'));
    for (let k = 0; k < tfjs.length; k++)
      if ((tfjs[k] as number) > 0 !== (own[k] as number) > 0) flips++;
  }
  tf.dispose(outputs);
  return flips;
}

/** A copy of `source` saved and loaded back, as a resumed run loads its checkpoint. */
async function loadedCopy(c: EngineCase, source: tf.LayersModel) {
  const artifacts = await saveToMemory(source);
  const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const training = { optimizer: c.optimizer, learningRate: c.learningRate, momentum: c.momentum };
  return { model: loaded, optimizer: compileSegNet(loaded, training as SegNetTraining) };
}

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

window.checkEngine = async (c) => {
  await useWebgpu();
  const size = c.model.inputSize;
  const reference = model(c);
  const weights = reference.model.getWeights();
  const engineSide =
    c.weights === 'checkpoint' ? await loadedCopy(c, reference.model) : model(c, weights);
  const gradientSide = model(c, weights);
  const batches = Array.from({ length: Math.min(c.steps, 4) }, (_, i) =>
    batchOf(c.seed + i, c.batch, size),
  );
  const engine = await TrainingEngine.compile(engineSide.model, engineSide.optimizer, c.batch);
  try {
    const first = batches[0] as { x: tf.Tensor4D; y: tf.Tensor4D };
    // tfjs's gradients on a third copy (its forward pass moves the batch-norm statistics).
    const { grads } = tf.variableGrads(
      () => diceLoss(first.y, gradientSide.model.apply(first.x, { training: true }) as tf.Tensor),
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
    const tfjsLoss = (await reference.model.trainOnBatch(first.x, first.y)) as number[];
    const curve: [number, number][] = [[engineLoss, tfjsLoss[0] as number]];
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
        const { x, y } = batches[s % batches.length] as { x: tf.Tensor4D; y: tf.Tensor4D };
        // What tfjs recorded and did not submit yet is submitted before counting.
        flushTfjs(webgpuBackend() as WebGPUBackend);
        counting = true;
        const e = await engine.step(x, y);
        counting = false;
        // The step's ReLU sides, against tfjs's forward pass with the same weights.
        gradientSide.model.setWeights(reference.model.getWeights());
        laterReluFlips += await countReluFlips(gradientSide.model, engine, x);
        const t = (await reference.model.trainOnBatch(x, y)) as number[];
        curve.push([e, t[0] as number]);
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
      loss: [engineLoss, tfjsLoss[0] as number],
      gradients,
      afterStep,
      afterSteps,
      curve,
      perStep: Object.fromEntries(
        Object.entries(counts).map(([k, v]) => [k, v / later]),
      ) as EngineCheck['perStep'],
      dispatchesPerStep: engine.dispatchesPerStep,
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
 * Times `steps` training steps of a SegNet on one engine, after one that compiles, counting what
 * the device is asked to create and run per step (tfjs's work and the engine's alike).
 */
window.timeEngine = async (c) => {
  await useWebgpu();
  const backend = webgpuBackend() as WebGPUBackend;
  const device = backend.device;
  const size = c.segnet.inputSize;
  const side = model({ ...c, model: c.segnet, steps: c.steps, seed: 1, weights: 'shared' });
  const { x, y } = batchOf(5, c.batch, size);
  const engine =
    c.engine === 'fused' ? await TrainingEngine.compile(side.model, side.optimizer, c.batch) : null;
  const step = async () => {
    if (engine) await engine.step(x, y);
    else await side.model.trainOnBatch(x, y);
  };
  const counts = { dispatches: 0, submits: 0, buffers: 0, bindGroups: 0 };
  let lastSubmit = 0;
  const originals = {
    dispatch: GPUComputePassEncoder.prototype.dispatchWorkgroups,
    submit: device.queue.submit,
    createBuffer: device.createBuffer,
    createBindGroup: device.createBindGroup,
  };
  try {
    await step();
    flushTfjs(backend);
    GPUComputePassEncoder.prototype.dispatchWorkgroups = function (...args) {
      counts.dispatches++;
      return originals.dispatch.apply(this, args);
    };
    device.queue.submit = function (...args) {
      counts.submits++;
      lastSubmit = performance.now();
      return originals.submit.apply(this, args);
    };
    device.createBuffer = function (...args) {
      counts.buffers++;
      return originals.createBuffer.apply(this, args);
    };
    device.createBindGroup = function (...args) {
      counts.bindGroups++;
      return originals.createBindGroup.apply(this, args);
    };
    let encodeMs = 0;
    const started = performance.now();
    for (let s = 0; s < c.steps; s++) {
      const stepStart = performance.now();
      await step();
      encodeMs += lastSubmit - stepStart;
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      model: c.model,
      backend: 'webgpu',
      engine: c.engine,
      batch: c.batch,
      size,
      imagesPerSecond: (c.batch * c.steps) / seconds,
      dispatchesPerStep: counts.dispatches / c.steps,
      submitsPerStep: counts.submits / c.steps,
      buffersCreatedPerStep: counts.buffers / c.steps,
      bindGroupsCreatedPerStep: counts.bindGroups / c.steps,
      encodeMsPerStep: encodeMs / c.steps,
    };
  } finally {
    GPUComputePassEncoder.prototype.dispatchWorkgroups = originals.dispatch;
    device.queue.submit = originals.submit;
    device.createBuffer = originals.createBuffer;
    device.createBindGroup = originals.createBindGroup;
    engine?.dispose();
    side.model.dispose();
    side.optimizer.dispose();
    tf.dispose([x, y]);
  }
};
