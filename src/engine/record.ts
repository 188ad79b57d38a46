/**
 * Records a model's training step for the engine (trainingEngine.ts): makes every buffer, uniform
 * block and bind group once, and returns the step's dispatches in order — forward (forward.ts),
 * loss and backward (loss.ts, backward.ts), optimizer.
 *
 * - Parameters, gradients and optimizer state are flat buffers in the model's weight order, so one
 *   optimizer dispatch updates every parameter. `mirrors` says where each tfjs variable lives in
 *   them.
 * - Every value of the forward pass keeps its buffer (the backward pass reads them), one buffer per
 *   run of concatenations (graph.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { recordBackward } from './backward.ts';
import { recordForward } from './forward.ts';
import { dense, type ConvOp, type Graph } from './graph.ts';
import type { Dispatch, Gpu } from './gpu.ts';
import { ADAM_SHADER, OPTIMIZER_UNIFORMS, SGD_MOMENTUM_SHADER } from './kernels/optimizers.ts';
import { groupsFor } from './kernels/uniforms.ts';
import type { OptimizerState } from './optimizerState.ts';
import type { TileChoice } from '../kernels/webgpu/gemmPlan.ts';
import {
  EngineUnavailable,
  FlatLayout,
  floatsOf,
  Recording,
  size,
  type KernelSet,
  type PerStep,
} from './recording.ts';

export { EngineUnavailable };

/** A variable tfjs owns, mirrored at `offset` in one of the engine's flat buffers. */
export interface Mirror {
  variable: () => tf.Variable;
  flat: GPUBuffer;
  offset: number;
  size: number;
  dataId: object | null;
}

/** Losses held on the GPU before the oldest slot is overwritten. */
export const LOSS_SLOTS = 64;

/** What the engine replays. */
export interface RecordedStep {
  dispatches: Dispatch[];
  mirrors: Mirror[];
  /** Each weight's name, offset and size in the flat buffers. */
  layout: { name: string; offset: number; size: number }[];
  paramCount: number;
  /** Outputs of the last step that are buffers of their own, by layer name (for the checks). */
  outputs: Map<string, { buffer: GPUBuffer; floats: number }>;
  perStep: PerStep[];
  buffers: {
    input: GPUBuffer;
    target: GPUBuffer;
    gradients: GPUBuffer;
    loss: GPUBuffer;
    staging: GPUBuffer;
    optimizerUniforms: GPUBuffer;
  };
}

export const bytes = (floats: number) => floats * 4;

/**
 * Records `graph`'s training step for `model` with `state`'s optimizer. `classWeights` weigh the
 * cross-entropy per true class (all 1 when null).
 */
export async function recordStep(
  gpu: Gpu,
  model: tf.LayersModel,
  graph: Graph,
  state: OptimizerState,
  classWeights: number[] | null,
  kernels: KernelSet,
  tiles: ReadonlyMap<ConvOp, Partial<TileChoice>> = new Map(),
): Promise<RecordedStep> {
  const layout = new FlatLayout(model);
  const count = layout.count;
  const params = gpu.buffer(count, 'parameters');
  const grads = gpu.buffer(count, 'gradients');
  const stateBuffers =
    state.kind === 'adam'
      ? [gpu.buffer(count, 'first moments'), gpu.buffer(count, 'second moments')]
      : [gpu.buffer(count, 'momentum accumulations')];

  const mirrors: Mirror[] = model.weights.map((weight) => ({
    variable: () => weight.read() as tf.Variable,
    flat: params,
    offset: layout.any(weight),
    size: size(weight.shape as number[]),
    dataId: null,
  }));
  const slots = state.slots();
  model.trainableWeights.forEach((weight, i) => {
    (slots[i] ?? []).forEach((variable, s) =>
      mirrors.push({
        variable: () => variable,
        flat: stateBuffers[s] as GPUBuffer,
        offset: layout.trained(weight),
        size: size(weight.shape as number[]),
        dataId: null,
      }),
    );
  });

  const rec = new Recording(gpu, graph, layout, params, grads, kernels, tiles);
  const target = gpu.buffer(size(graph.target), 'targets');
  const loss = gpu.buffer(2 * LOSS_SLOTS, 'losses');
  const staging = gpu.buffer(
    2 * LOSS_SLOTS,
    'losses read back',
    GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  );
  recordForward(rec);
  recordBackward(rec, { target, loss }, classWeights);

  const optimizerUniforms = gpu.uniforms(
    OPTIMIZER_UNIFORMS,
    { count, ...state.hyper(null) },
    'optimizer',
  );
  const update = gpu.dispatch(
    'optimizer',
    state.kind === 'adam' ? ADAM_SHADER : SGD_MOMENTUM_SHADER,
    optimizerUniforms,
    [params, grads, ...stateBuffers],
    [groupsFor(count), 1, 1],
  );

  const outputs = new Map<string, { buffer: GPUBuffer; floats: number }>();
  for (const op of graph.ops) {
    if (dense(op.y)) outputs.set(op.name, { buffer: rec.valueOf(op.y), floats: floatsOf(op.y) });
  }
  return {
    dispatches: await Promise.all([...rec.forward, ...rec.backward, update]),
    mirrors,
    layout: model.weights.map((w) => ({
      name: w.name,
      offset: layout.any(w),
      size: size(w.shape as number[]),
    })),
    paramCount: count,
    outputs,
    perStep: rec.perStep,
    buffers: { input: rec.input, target, gradients: grads, loss, staging, optimizerUniforms },
  };
}
