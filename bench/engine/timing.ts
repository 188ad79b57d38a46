/** The training engine page's timing (bench/engine/page.ts registers it as window.timeEngine). */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { flushTfjs, webgpuBackend } from '../../src/engine/gpu.ts';
import { timeByKernel, type DispatchTime } from '../../src/engine/profile.ts';
import { TrainingEngine } from '../../src/engine/trainingEngine.ts';
import { WEBGPU_CONVOLUTIONS } from '../../src/kernels/webgpu/convolutions.ts';
import { batchOf, buildNetwork, compileNetwork, useWebgpu } from './networks.ts';
import type { EngineTiming, EngineTimingCase } from './protocol.ts';

/**
 * Puts the app's own WebGPU convolutions in place of tfjs's (as src/kernels/register.ts does in
 * the app's workers); returns what puts tfjs's back.
 */
function useOwnConvolutions(): () => void {
  const originals = WEBGPU_CONVOLUTIONS.map(({ kernelName, wrap }) => {
    const original = tf.getKernel(kernelName, 'webgpu');
    if (!original) throw new Error(`tfjs's WebGPU backend has no ${kernelName}`);
    tf.unregisterKernel(kernelName, 'webgpu');
    tf.registerKernel({ ...original, kernelFunc: wrap(original.kernelFunc) });
    return original;
  });
  return () => {
    for (const original of originals) {
      tf.unregisterKernel(original.kernelName, 'webgpu');
      tf.registerKernel(original);
    }
  };
}

/**
 * Trains one network a few steps through the engine or through tfjs on the page's WebGPU adapter
 * (bench/engine.ts): images per second, what each step asks of the device and, with `profile`,
 * the GPU time of one more step by kernel.
 */
export async function timeEngine(c: EngineTimingCase): Promise<EngineTiming> {
  await useWebgpu();
  const backend = webgpuBackend() as WebGPUBackend;
  const device = backend.device;
  const side = compileNetwork(buildNetwork(c.network), c.network, c);
  const size = side.model.inputs[0]?.shape[1] as number;
  const { x, y } = batchOf(c.network, side.model, 5, c.batch);
  const classWeights = c.network.kind === 'densenet' ? c.network.classWeights : null;
  const engine =
    c.engine === 'fused'
      ? await TrainingEngine.compile(side.model, side.optimizer, c.batch, classWeights, {
          kernels: c.kernels,
          tiles: c.tiles,
        })
      : null;
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
  const restore = () => {
    GPUComputePassEncoder.prototype.dispatchWorkgroups = originals.dispatch;
    device.queue.submit = originals.submit;
    device.createBuffer = originals.createBuffer;
    device.createBindGroup = originals.createBindGroup;
  };
  const tfjsKernels = c.engine === 'tfjs-own' ? useOwnConvolutions() : () => {};
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
    restore();
    const profile = c.profile ? await timeKernels(engine, () => step()) : undefined;
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
      ...(engine ? { tiles: engine.tiles } : {}),
      ...profile,
    };
  } finally {
    restore();
    tfjsKernels();
    engine?.dispose();
    side.model.dispose();
    side.optimizer.dispose();
    tf.dispose([x, y]);
  }
}

/**
 * GPU milliseconds of one step by kernel: the engine's dispatches timed one by one, or tfjs's
 * kernels through tf.profile (its WebGPU backend times each program between timestamps).
 */
async function timeKernels(
  engine: TrainingEngine | null,
  step: () => Promise<void>,
): Promise<{ kernelMs: [string, number][]; slowest: [string, number][] }> {
  let times: DispatchTime[];
  if (engine) times = await engine.timeDispatches();
  else {
    const info = await tf.profile(step);
    times = info.kernels.map((k) => ({ label: k.name, ms: Number(k.kernelTimeMs) || 0 }));
  }
  const slowest = [...times].sort((a, b) => b.ms - a.ms).slice(0, 8);
  return {
    kernelMs: timeByKernel(times),
    slowest: slowest.map(({ label, ms }): [string, number] => [label, ms]),
  };
}
