/**
 * One training step of a model on one backend, timed: the seed SegNet or DenseNet-121 (with its
 * 3-class head), Adam, on a batch of random images made beforehand. The same step as
 * bench/pytorch/step.py runs in PyTorch. What the app adds around a step (reading and augmenting
 * batches) is measured by the SegNet and DenseNet benchmarks; this one is the backend's speed.
 */
import * as tf from '@tensorflow/tfjs';
import { fuseBatchNormRelu } from '../../src/models/batchNorm.ts';
import { buildDenseNet } from '../../src/models/densenet.ts';
import { DENSENET_121_BACKBONE } from '../../src/models/densenetConfig.ts';
import { buildSegNet, SEGNET_SEED } from '../../src/models/segnet.ts';
import { selectBackend } from '../../src/worker/backend.ts';
import { adam } from '../../src/training/adam.ts';
import '../../src/worker/wasmFiles.ts';
import { progress, sendRound, serveBenchmark } from '../common/worker.ts';
import type { KernelTime, StepRunOptions, StepRunResult } from './protocol.ts';

/**
 * One step under `tf.profile`: each kernel's time (on WebGPU the GPU's own, from timestamp
 * queries, where the device has them; elsewhere the wall clock), summed by kernel name.
 */
async function profileStep(step: () => Promise<unknown>): Promise<KernelTime[]> {
  const info = await tf.profile(async () => {
    await step();
    return [];
  });
  const byKernel = new Map<string, KernelTime>();
  for (const { name, kernelTimeMs } of info.kernels) {
    // An op with a custom gradient (fusedConv2d__op) is listed around the kernels it runs.
    if (name.endsWith('__op')) continue;
    const entry = byKernel.get(name) ?? { kernel: name, calls: 0, ms: 0 };
    entry.calls += 1;
    entry.ms += typeof kernelTimeMs === 'number' ? kernelTimeMs : 0;
    byKernel.set(name, entry);
  }
  return [...byKernel.values()].sort((a, b) => b.ms - a.ms);
}

function build(options: StepRunOptions): { model: tf.LayersModel; loss: string } {
  if (options.model === 'segnet') {
    return {
      model: buildSegNet({ ...SEGNET_SEED, inputSize: options.inputSize }),
      loss: 'binaryCrossentropy',
    };
  }
  const model = buildDenseNet({
    ...DENSENET_121_BACKBONE,
    inputSize: options.inputSize,
    head: 'gap',
    classes: 3,
    dropout: 0,
    imagenetPreprocess: false,
  });
  return { model, loss: 'categoricalCrossentropy' };
}

async function run(options: StepRunOptions): Promise<StepRunResult> {
  const info = await selectBackend(options.backend, { wasmThreads: options.threads });
  progress(`${info.backend} (${info.adapter}): building ${options.model}`);
  const { model, loss } = build(options);
  // As the app's training loop runs it.
  fuseBatchNormRelu(model);
  // The app's Adam: one kernel call per step on WebAssembly (src/training/adam.ts).
  const optimizer = adam(1e-3);
  model.compile({ optimizer, loss });
  const { inputSize: size, batchSize: batch } = options;
  const xs = tf.randomUniform([batch, size, size, 3]);
  // A lesion mask per image, or the three classes in turn.
  const ys = tf.tidy(() =>
    options.model === 'segnet'
      ? tf.randomUniform([batch, size, size, 1]).round()
      : tf.oneHot(
          tf.tensor1d(
            Array.from({ length: batch }, (_, i) => i % 3),
            'int32',
          ),
          3,
        ),
  );
  const step = async () => {
    const started = performance.now();
    await model.trainOnBatch(xs, ys);
    return (performance.now() - started) / 1000;
  };
  progress('warm-up step');
  const warmUpSeconds = await step();
  const first = tf.memory().numTensors;
  progress(`warm-up ${warmUpSeconds.toFixed(2)} s`);
  const stepSeconds: number[] = [];
  for (let n = 1; n <= options.steps; n++) {
    const seconds = await step();
    stepSeconds.push(seconds);
    sendRound({ step: n, seconds });
    progress(`step ${n}: ${seconds.toFixed(2)} s`);
  }
  const last = tf.memory().numTensors;
  let kernels: KernelTime[] | undefined;
  if (options.profile) {
    progress('profiled step');
    kernels = await profileStep(step);
    const top = kernels.slice(0, 5).map((k) => `${k.kernel} ${k.ms.toFixed(1)} ms`);
    progress(`kernels: ${top.join(', ')}`);
  }
  model.dispose();
  optimizer.dispose();
  tf.dispose([xs, ys]);
  return {
    backend: info.backend,
    adapter: info.adapter,
    stepSeconds,
    warmUpSeconds,
    numTensors: { first, last },
    ...(kernels ? { kernels } : {}),
  };
}

serveBenchmark(run);
