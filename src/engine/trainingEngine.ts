/**
 * The WebGPU training engine: a model's whole training step — forward, loss, backward and the
 * optimizer — compiled once into a fixed list of dispatches of the engine's own kernels
 * (./kernels), replayed each step in one command encoder and one submit.
 *
 * - Every buffer is made when the step is compiled: the parameters, their gradients and the
 *   optimizer state as flat buffers (one optimizer dispatch updates all of them), the activations
 *   the backward pass reads, the gradients (reused by liveness: a gradient's buffer goes back to
 *   the pool once its last reader is recorded), the split-K scratch, the batch, and the loss.
 * - The flat buffers mirror tfjs's variables: at the start of a step any variable tfjs rewrote
 *   since (a restored checkpoint, weight decay, a learning-rate schedule's assign) is copied in,
 *   and at its end every weight and every optimizer state variable is copied back out into the
 *   variable's own GPU buffer. Between steps tfjs sees the trained model and optimizer as if it
 *   had trained them, so checkpoints, export, resume, evaluation and Diagnose are tfjs's own.
 * - The batch is copied from tfjs's tensors into the engine's input buffers in the same encoder.
 *
 * A model the engine does not run (graph.ts says why) gets `null`, and trains through tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import {
  readGraph,
  type BatchNormReluOp,
  type ConvOp,
  type Graph,
  type ResampleOp,
} from './graph.ts';
import { Gpu, webgpuBackend, type Dispatch } from './gpu.ts';
import {
  GEMM_UNIFORMS,
  gemmShader,
  gemmSizes,
  gemmUniforms,
  gemmWorkgroups,
  planGemm,
  SUM_SLICES_SHADER,
  SUM_SLICES_UNIFORMS,
  type Epilogue,
  type GemmKind,
} from './kernels/gemm.ts';
import {
  BATCH_NORM_UNIFORMS,
  BN_GRADIENT_SUMS_SHADER,
  BN_INPUT_GRADIENT_SHADER,
  BN_NORMALIZE_SHADER,
  BN_STATISTICS_SHADER,
} from './kernels/batchNorm.ts';
import {
  MAX_POOL_GRADIENT_SHADER,
  MAX_POOL_SHADER,
  RESAMPLE_UNIFORMS,
  UPSAMPLE_GRADIENT_SHADER,
  UPSAMPLE_SHADER,
} from './kernels/resample.ts';
import { DICE_GRADIENT_SHADER, DICE_SUMS_SHADER, DICE_UNIFORMS } from './kernels/diceLoss.ts';
import { ADAM_SHADER, OPTIMIZER_UNIFORMS, SGD_MOMENTUM_SHADER } from './kernels/optimizers.ts';
import { groupsFor } from './kernels/uniforms.ts';
import { optimizerKind, OptimizerState } from './optimizerState.ts';

/** Why the engine does not train a model (it then trains through tfjs). */
export class EngineUnavailable extends Error {}

/** A variable tfjs owns, mirrored at `offset` in one of the engine's flat buffers. */
interface Mirror {
  variable: () => tf.Variable;
  flat: GPUBuffer;
  offset: number;
  size: number;
  dataId: object | null;
}

const size = (shape: readonly number[]) => tf.util.sizeFromShape(shape as number[]);
const bytes = (floats: number) => floats * 4;

/** Losses held on the GPU before the oldest slot is overwritten. */
const LOSS_SLOTS = 64;

/** What `build` makes for the engine. */
interface Parts {
  gpu: Gpu;
  graph: Graph;
  state: OptimizerState;
  dispatches: Dispatch[];
  mirrors: Mirror[];
  /** Each weight's name, offset and size in the flat buffers. */
  layout: { name: string; offset: number; size: number }[];
  paramCount: number;
  /** Each operation's output in the last step, by layer name. */
  outputs: Map<string, { buffer: GPUBuffer; floats: number }>;
  buffers: {
    input: GPUBuffer;
    target: GPUBuffer;
    gradients: GPUBuffer;
    loss: GPUBuffer;
    staging: GPUBuffer;
    optimizerUniforms: GPUBuffer;
    diceUniforms: GPUBuffer;
  };
}

export class TrainingEngine {
  private stepIndex = 0;
  private powers: [number, number] | null = null;
  private powersId: object | null = null;

  private constructor(private readonly parts: Parts) {}

  /** Dispatches in one step. */
  get dispatchesPerStep(): number {
    return this.parts.dispatches.length;
  }

  /**
   * Compiles `model`'s training step at batch size `batch` with `optimizer`'s update, on the
   * WebGPU backend tfjs runs now. Throws EngineUnavailable when the engine cannot train it.
   */
  static async compile(
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
    batch: number,
  ): Promise<TrainingEngine> {
    const backend = webgpuBackend();
    if (!backend) throw new EngineUnavailable('the engine runs on WebGPU only');
    const { graph, reason } = readGraph(model, batch);
    if (!graph) throw new EngineUnavailable(`the engine does not run this model: ${reason}`);
    const kind = optimizerKind(optimizer);
    if (kind !== 'sgd-momentum' && kind !== 'adam') {
      throw new EngineUnavailable(`the engine does not run ${kind}`);
    }
    const gpu = new Gpu(backend);
    try {
      const state = new OptimizerState(kind, optimizer, model.trainableWeights);
      return new TrainingEngine(await build(gpu, model, graph, state));
    } catch (error) {
      gpu.destroy();
      throw error;
    }
  }

  /**
   * One training step on a batch of images [batch, h, w, 3] and masks [batch, h, w, 1] (float32
   * tensors on this backend): encodes and submits it, and resolves to its loss once the GPU has
   * run it.
   */
  async step(x: tf.Tensor, y: tf.Tensor): Promise<number> {
    const slot = this.stepIndex % LOSS_SLOTS;
    const powers = await this.adamPowers();
    this.submit(x, y, slot, powers);
    const staging = this.parts.buffers.staging;
    // Slots are 8 bytes apart, as mapAsync's offsets must be.
    await staging.mapAsync(GPUMapMode.READ, bytes(2 * slot), 8);
    const loss = new Float32Array(staging.getMappedRange(bytes(2 * slot), 8))[0] as number;
    staging.unmap();
    return loss;
  }

  /** The last step's gradients by weight name (for the checks; reads the GPU back). */
  async gradients(): Promise<Map<string, Float32Array>> {
    const { layout, paramCount, buffers } = this.parts;
    const all = await this.readBack(buffers.gradients, paramCount);
    return new Map(layout.map((w) => [w.name, all.slice(w.offset, w.offset + w.size)]));
  }

  /** A layer's output in the last step (for the checks; reads the GPU back). */
  async output(layer: string): Promise<Float32Array> {
    const output = this.parts.outputs.get(layer);
    if (!output) throw new Error(`The engine has no output of ${layer}`);
    return this.readBack(output.buffer, output.floats);
  }

  private async readBack(buffer: GPUBuffer, floats: number): Promise<Float32Array> {
    const { device } = this.parts.gpu;
    const read = device.createBuffer({
      size: bytes(floats),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    try {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(buffer, 0, read, 0, bytes(floats));
      device.queue.submit([encoder.finish()]);
      await read.mapAsync(GPUMapMode.READ);
      return new Float32Array(read.getMappedRange()).slice();
    } finally {
      read.destroy();
    }
  }

  private submit(x: tf.Tensor, y: tf.Tensor, slot: number, powers: [number, number] | null): void {
    const { gpu, graph, buffers, dispatches, mirrors } = this.parts;
    const [batch, h, w] = graph.input;
    const expect = (t: tf.Tensor, channels: number, what: string) => {
      const want = [batch, h, w, channels];
      if (t.dtype !== 'float32' || t.shape.join() !== want.join()) {
        throw new Error(
          `The training engine was compiled for ${what} of float32 ${JSON.stringify(want)}, not ${t.dtype} ${JSON.stringify(t.shape)}`,
        );
      }
    };
    expect(x, graph.input[3], 'images');
    expect(y, 1, 'masks');
    const { device } = gpu;
    const hyper = this.parts.state.hyper(powers);
    device.queue.writeBuffer(
      buffers.optimizerUniforms,
      0,
      OPTIMIZER_UNIFORMS.pack({ count: this.parts.paramCount, ...hyper }),
    );
    device.queue.writeBuffer(
      buffers.diceUniforms,
      0,
      DICE_UNIFORMS.pack({ batch, pixels: h * w, lossOffset: 2 * slot }),
    );
    // Variables tfjs replaced since the last step (or never seen) are copied in.
    const changed = mirrors.filter((mirror) => mirror.variable().dataId !== mirror.dataId);
    // Each gets a buffer of its own, on the GPU (tfjs records the upload of one it holds on the
    // CPU, a loaded checkpoint's, and the flush below submits it before the step reads it).
    const sources = changed.map((mirror) => {
      gpu.ownBuffer(mirror.variable());
      return gpu.bufferOf(mirror.variable());
    });
    // tfjs's pending work (the batch, any variable it wrote) runs before the step.
    gpu.flushTfjs();
    const encoder = device.createCommandEncoder({ label: 'training step' });
    gpu.copyTensor(encoder, x, buffers.input);
    gpu.copyTensor(encoder, y, buffers.target);
    changed.forEach((mirror, i) => {
      const from = sources[i] as GPUBuffer;
      encoder.copyBufferToBuffer(from, 0, mirror.flat, bytes(mirror.offset), bytes(mirror.size));
      mirror.dataId = mirror.variable().dataId;
    });
    const pass = encoder.beginComputePass({ label: 'training step' });
    for (const d of dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
    }
    pass.end();
    for (const mirror of mirrors) {
      const variable = mirror.variable();
      encoder.copyBufferToBuffer(
        mirror.flat,
        bytes(mirror.offset),
        gpu.bufferOf(variable),
        0,
        bytes(mirror.size),
      );
      gpu.forgetReadBack(variable);
    }
    encoder.copyBufferToBuffer(buffers.loss, bytes(2 * slot), buffers.staging, bytes(2 * slot), 8);
    device.queue.submit([encoder.finish()]);
    this.advanceAdamPowers();
    this.parts.state.countStep();
    this.stepIndex++;
  }

  /**
   * Adam's β powers before this step, read from tfjs only when tfjs replaced them (a restored
   * optimizer). Read asynchronously: tfjs's synchronous read on WebGPU goes through a canvas, after
   * which Chromium refuses the engine's mapAsync in a worker.
   */
  private async adamPowers(): Promise<[number, number] | null> {
    const variables = this.parts.state.betaPowers();
    if (!variables) return null;
    if (variables[0].dataId !== this.powersId || this.powers === null) {
      const [p1, p2] = await Promise.all(variables.map((v) => v.data()));
      this.powers = [p1?.[0] as number, p2?.[0] as number];
      this.powersId = variables[0].dataId;
    }
    return this.powers;
  }

  /** Multiplies the β powers by the betas, here and in tfjs's variables. */
  private advanceAdamPowers(): void {
    const variables = this.parts.state.betaPowers();
    if (!variables || !this.powers) return;
    const [b1, b2] = this.parts.state.betas();
    this.powers = [this.powers[0] * b1, this.powers[1] * b2];
    const { gpu } = this.parts;
    variables.forEach((variable, i) =>
      gpu.device.queue.writeBuffer(
        gpu.bufferOf(variable),
        0,
        new Float32Array([this.powers?.[i] as number]),
      ),
    );
    this.powersId = variables[0].dataId;
  }

  dispose(): void {
    this.parts.gpu.destroy();
  }
}

/** Records the step's dispatches and makes its buffers. */
async function build(
  gpu: Gpu,
  model: tf.LayersModel,
  graph: Graph,
  state: OptimizerState,
): Promise<Parts> {
  const buffer = (floats: number, label: string) => gpu.buffer(floats, label);

  // Flat parameters, gradients and optimizer state, in the model's weight order.
  const offsets = new Map<tf.LayerVariable, number>();
  let paramCount = 0;
  for (const weight of model.weights) {
    offsets.set(weight, paramCount);
    paramCount += size(weight.shape as number[]);
  }
  const params = buffer(paramCount, 'parameters');
  const grads = buffer(paramCount, 'gradients');
  const stateBuffers =
    state.kind === 'adam'
      ? [buffer(paramCount, 'first moments'), buffer(paramCount, 'second moments')]
      : [buffer(paramCount, 'momentum accumulations')];
  const offset = (weight: tf.LayerVariable) => offsets.get(weight) as number;

  const mirrors: Mirror[] = model.weights.map((weight) => ({
    variable: () => weight.read() as tf.Variable,
    flat: params,
    offset: offset(weight),
    size: size(weight.shape as number[]),
    dataId: null,
  }));
  const slots = state.slots();
  model.trainableWeights.forEach((weight, i) => {
    (slots[i] ?? []).forEach((variable, s) =>
      mirrors.push({
        variable: () => variable,
        flat: stateBuffers[s] as GPUBuffer,
        offset: offset(weight),
        size: size(weight.shape as number[]),
        dataId: null,
      }),
    );
  });

  const [batch, height, width, channels] = graph.input;
  const input = buffer(batch * height * width * channels, 'images');
  const target = buffer(batch * height * width, 'masks');
  const loss = buffer(2 * LOSS_SLOTS, 'losses');
  const staging = gpu.buffer(
    2 * LOSS_SLOTS,
    'losses read back',
    GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  );

  // Batch-norm statistics: mean and inverse standard deviation per channel, per layer.
  const statsOffsets = new Map<BatchNormReluOp, number>();
  let statsCount = 0;
  for (const op of graph.ops) {
    if (op.kind !== 'batchNormRelu') continue;
    statsOffsets.set(op, statsCount);
    statsCount += 2 * op.channels;
  }
  const stats = buffer(statsCount, 'batch-norm statistics');

  // The split-K scratch, shared by every filter gradient.
  let scratch = 0;
  for (const op of graph.ops) {
    if (op.kind !== 'conv') continue;
    const sizes = gemmSizes('filterGradient', op.geometry, true);
    const plan = planGemm('filterGradient', sizes.m, sizes.n, sizes.r);
    if (plan.slices > 1) scratch = Math.max(scratch, plan.slices * sizes.m * sizes.n);
  }
  const partials = buffer(scratch, 'filter-gradient slices');

  const forward: Promise<Dispatch>[] = [];
  const backward: Promise<Dispatch>[] = [];

  const gemm = (
    kind: GemmKind,
    op: ConvOp,
    epilogue: Epilogue,
    a: GPUBuffer,
    b: GPUBuffer,
    out: GPUBuffer,
    list: Promise<Dispatch>[],
  ) => {
    const sizes = gemmSizes(kind, op.geometry, true);
    const plan = planGemm(kind, sizes.m, sizes.n, sizes.r);
    const sliced = kind === 'filterGradient' && plan.slices > 1;
    const uniforms = gemmUniforms(op.geometry, sizes, plan, {
      kernelOffset: offset(op.kernel),
      biasOffset: offset(op.bias),
      outOffset: kind === 'filterGradient' && !sliced ? offset(op.kernel) : 0,
      biasRow: kind === 'filterGradient' ? sizes.m - 1 : -1,
    });
    list.push(
      gpu.dispatch(
        `${kind} ${op.name}`,
        gemmShader(kind, plan, epilogue),
        gpu.uniforms(GEMM_UNIFORMS, uniforms, `${kind} ${op.name}`),
        [a, b, sliced ? partials : out],
        gemmWorkgroups(plan, sizes.m, sizes.n),
      ),
    );
    if (sliced) {
      const count = sizes.m * sizes.n;
      list.push(
        gpu.dispatch(
          `sumSlices ${op.name}`,
          SUM_SLICES_SHADER,
          gpu.uniforms(
            SUM_SLICES_UNIFORMS,
            { size: count, slices: plan.slices, outOffset: offset(op.kernel) },
            `sum ${op.name}`,
          ),
          [partials, out],
          [groupsFor(count), 1, 1],
        ),
      );
    }
  };

  const bnUniforms = (op: BatchNormReluOp) =>
    gpu.uniforms(
      BATCH_NORM_UNIFORMS,
      {
        positions: op.positions,
        channels: op.channels,
        statsOffset: statsOffsets.get(op) as number,
        gammaOffset: offset(op.gamma),
        betaOffset: offset(op.beta),
        meanOffset: offset(op.movingMean),
        varianceOffset: offset(op.movingVariance),
        momentum: op.momentum,
        epsilon: op.epsilon,
      },
      op.name,
    );
  const resampleUniforms = (op: ResampleOp, count: number) =>
    gpu.uniforms(
      RESAMPLE_UNIFORMS,
      { count, height: op.large[1], width: op.large[2], channels: op.large[3] },
      op.name,
    );

  // Forward: each op's output, and what the backward pass needs of it.
  interface Saved {
    op: ConvOp | BatchNormReluOp | ResampleOp;
    input: GPUBuffer;
    output: GPUBuffer;
    /** A batch norm's uniforms, shared by its four dispatches. */
    uniforms?: GPUBuffer;
  }
  const saved: Saved[] = [];
  const outputs = new Map<string, { buffer: GPUBuffer; floats: number }>();
  let current = input;
  for (const op of graph.ops) {
    if (op.kind === 'conv') {
      const g = op.geometry;
      const out = buffer(g.batch * g.outH * g.outW * g.outC, `${op.name} output`);
      gemm(
        'forward',
        op,
        op.activation === 'sigmoid' ? 'biasSigmoid' : 'bias',
        current,
        params,
        out,
        forward,
      );
      saved.push({ op, input: current, output: out });
      current = out;
    } else if (op.kind === 'batchNormRelu') {
      const out = buffer(op.positions * op.channels, `${op.name} output`);
      const uniforms = bnUniforms(op);
      forward.push(
        gpu.dispatch(
          `bnStatistics ${op.name}`,
          BN_STATISTICS_SHADER,
          uniforms,
          [current, params, stats],
          [op.channels, 1, 1],
        ),
        gpu.dispatch(
          `bnNormalize ${op.name}`,
          BN_NORMALIZE_SHADER,
          uniforms,
          [current, params, stats, out],
          [groupsFor(op.positions * op.channels), 1, 1],
        ),
      );
      saved.push({ op, input: current, output: out, uniforms });
      outputs.set(op.name, { buffer: out, floats: op.positions * op.channels });
      current = out;
    } else {
      const large = size(op.large);
      const out = buffer(op.kind === 'maxPool' ? large / 4 : large, `${op.name} output`);
      forward.push(
        gpu.dispatch(
          `${op.kind} ${op.name}`,
          op.kind === 'maxPool' ? MAX_POOL_SHADER : UPSAMPLE_SHADER,
          resampleUniforms(op, large),
          [current, out],
          [groupsFor(op.kind === 'maxPool' ? large / 4 : large), 1, 1],
        ),
      );
      saved.push({ op, input: current, output: out });
      current = out;
    }
  }
  const predicted = current;

  // Gradients: buffers from a pool, back in it once their last reader is recorded.
  const free: { buffer: GPUBuffer; floats: number }[] = [];
  const acquire = (floats: number, label: string) => {
    free.sort((a, b) => a.floats - b.floats);
    const index = free.findIndex((f) => f.floats >= floats);
    if (index >= 0) return free.splice(index, 1)[0] as { buffer: GPUBuffer; floats: number };
    return { buffer: buffer(floats, label), floats };
  };
  const release = (gradient: { buffer: GPUBuffer; floats: number }) => free.push(gradient);

  // Loss: the per-image sums, then the logits' gradient and the loss.
  const pixels = batch * height * width;
  const diceSums = buffer(2 * batch, 'dice sums');
  const diceUniforms = gpu.uniforms(
    DICE_UNIFORMS,
    { batch, pixels: height * width, lossOffset: 0 },
    'dice',
  );
  let gradient = acquire(pixels, 'gradients');
  backward.push(
    gpu.dispatch(
      'diceSums',
      DICE_SUMS_SHADER,
      diceUniforms,
      [target, predicted, diceSums],
      [batch, 1, 1],
    ),
    gpu.dispatch(
      'diceGradient',
      DICE_GRADIENT_SHADER,
      diceUniforms,
      [target, predicted, diceSums, gradient.buffer, loss],
      [groupsFor(pixels), 1, 1],
    ),
  );

  for (let i = saved.length - 1; i >= 0; i--) {
    const { op, input: opInput, output, uniforms } = saved[i] as Saved;
    if (op.kind === 'conv') {
      gemm('filterGradient', op, 'store', opInput, gradient.buffer, grads, backward);
      if (i === 0) break;
      const g = op.geometry;
      const next = acquire(g.batch * g.inH * g.inW * g.inC, 'gradients');
      gemm('inputGradient', op, 'store', gradient.buffer, params, next.buffer, backward);
      release(gradient);
      gradient = next;
    } else if (op.kind === 'batchNormRelu') {
      const next = acquire(op.positions * op.channels, 'gradients');
      const bn = uniforms as GPUBuffer;
      backward.push(
        gpu.dispatch(
          `bnGradientSums ${op.name}`,
          BN_GRADIENT_SUMS_SHADER,
          bn,
          [gradient.buffer, opInput, output, stats, grads],
          [op.channels, 1, 1],
        ),
        gpu.dispatch(
          `bnInputGradient ${op.name}`,
          BN_INPUT_GRADIENT_SHADER,
          bn,
          [gradient.buffer, opInput, output, stats, params, grads, next.buffer],
          [groupsFor(op.positions * op.channels), 1, 1],
        ),
      );
      release(gradient);
      gradient = next;
    } else {
      const large = size(op.large);
      const inputFloats = op.kind === 'maxPool' ? large : large / 4;
      const next = acquire(inputFloats, 'gradients');
      backward.push(
        op.kind === 'maxPool'
          ? gpu.dispatch(
              `maxPoolGradient ${op.name}`,
              MAX_POOL_GRADIENT_SHADER,
              resampleUniforms(op, large),
              [opInput, output, gradient.buffer, next.buffer],
              [groupsFor(large), 1, 1],
            )
          : gpu.dispatch(
              `upsampleGradient ${op.name}`,
              UPSAMPLE_GRADIENT_SHADER,
              resampleUniforms(op, large),
              [gradient.buffer, next.buffer],
              [groupsFor(large / 4), 1, 1],
            ),
      );
      release(gradient);
      gradient = next;
    }
  }

  const optimizerUniforms = gpu.uniforms(
    OPTIMIZER_UNIFORMS,
    { count: paramCount, ...state.hyper(null) },
    'optimizer',
  );
  const update = gpu.dispatch(
    'optimizer',
    state.kind === 'adam' ? ADAM_SHADER : SGD_MOMENTUM_SHADER,
    optimizerUniforms,
    [params, grads, ...stateBuffers],
    [groupsFor(paramCount), 1, 1],
  );

  const dispatches = await Promise.all([...forward, ...backward, update]);
  return {
    gpu,
    graph,
    state,
    dispatches,
    mirrors,
    layout: model.weights.map((w) => ({
      name: w.name,
      offset: offset(w),
      size: size(w.shape as number[]),
    })),
    paramCount,
    outputs,
    buffers: { input, target, gradients: grads, loss, staging, optimizerUniforms, diceUniforms },
  };
}
