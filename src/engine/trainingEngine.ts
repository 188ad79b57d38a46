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
import type { Graph } from './graph.ts';
import { readGraph } from './graphReader.ts';
import { Gpu, webgpuBackend } from './gpu.ts';
import { OPTIMIZER_UNIFORMS } from './kernels/optimizers.ts';
import { optimizerKind, OptimizerState } from './optimizerState.ts';
import { timeDispatches, type DispatchTime } from './profile.ts';
import { chooseFilterGradientTiles, describeTiles } from './tileChoice.ts';
import { isSoftwareAdapter } from '../kernels/webgpu/gemmPlan.ts';
import type { KernelSet } from './recording.ts';

export interface CompileOptions {
  /** Which adapter's kernels to use (recording.ts KernelSet); by default this adapter's. */
  kernels?: KernelSet;
  /**
   * A GPU's filter-gradient tiles: `measured` on this adapter (tileChoice.ts; the default), or the
   * fixed `plan`.
   */
  tiles?: 'measured' | 'plan';
}
import { bytes, EngineUnavailable, LOSS_SLOTS, recordStep, type RecordedStep } from './record.ts';

export { EngineUnavailable };

/** What the engine holds: its GPU access, what it trains, and the recorded step. */
interface Parts extends RecordedStep {
  gpu: Gpu;
  graph: Graph;
  state: OptimizerState;
  /** How the filter gradients are cut, in words (tileChoice.ts describeTiles). */
  tiles: string;
}

export class TrainingEngine {
  private stepIndex = 0;
  private powers: [number, number] | null = null;
  private powersId: object | null = null;

  private constructor(private readonly parts: Parts) {}

  /** Bytes of GPU memory the engine holds beside tfjs's tensors. */
  get bytes(): number {
    return this.parts.gpu.bytesHeld;
  }

  /**
   * GPU time of each of the step's dispatches, run once more on the last batch (for benchmarks:
   * the weights take one more update; profile.ts).
   */
  timeDispatches(): Promise<DispatchTime[]> {
    return timeDispatches(this.parts.gpu.device, this.parts.dispatches);
  }

  /** How a GPU's filter gradients are cut: measured on this adapter, or the fixed plan. */
  get tiles(): string {
    return this.parts.tiles;
  }

  /** Dispatches in one step. */
  get dispatchesPerStep(): number {
    return this.parts.dispatches.length;
  }

  /**
   * Compiles `model`'s training step at batch size `batch` with `optimizer`'s update, on the
   * WebGPU backend tfjs runs now; a softmax classifier's cross-entropy is weighted per true class
   * by `classWeights` (unweighted when null). Throws EngineUnavailable when the engine cannot
   * train it. Its kernels are those that suit the adapter unless `options` says which.
   */
  static async compile(
    model: tf.LayersModel,
    optimizer: tf.Optimizer,
    batch: number,
    classWeights: number[] | null = null,
    options: CompileOptions = {},
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
      // Its buffers are made here: one that does not fit in GPU memory, or a kernel the adapter
      // refuses, is said here, and tfjs trains instead.
      gpu.device.pushErrorScope('validation');
      gpu.device.pushErrorScope('out-of-memory');
      const kernels = options.kernels ?? (isSoftwareAdapter(backend) ? 'software' : 'gpu');
      // A GPU's filter gradients are cut as measured on this adapter (the first compile times them).
      const tiles =
        kernels === 'gpu' && options.tiles !== 'plan'
          ? await chooseFilterGradientTiles(gpu, graph)
          : new Map();
      const recording = recordStep(gpu, model, graph, state, classWeights, kernels, tiles).then(
        (recorded) => ({ recorded, error: null }),
        (error: unknown) => ({ recorded: null, error }),
      );
      const { recorded, error } = await recording;
      const outOfMemory = await gpu.device.popErrorScope();
      const invalid = await gpu.device.popErrorScope();
      if (outOfMemory) {
        throw new EngineUnavailable(
          `the engine's buffers for this model at batch ${batch} do not fit in GPU memory (${outOfMemory.message})`,
        );
      }
      if (invalid) {
        throw new EngineUnavailable(`this adapter refused the engine's step (${invalid.message})`);
      }
      if (!recorded) throw error;
      return new TrainingEngine({ ...recorded, gpu, graph, state, tiles: describeTiles(tiles) });
    } catch (error) {
      gpu.destroy();
      throw error;
    }
  }

  /**
   * One training step on a batch of inputs [batch, h, w, channels] and targets (masks
   * [batch, h, w, 1] or one-hot labels [batch, classes]; float32 tensors on this backend): encodes
   * and submits it, and resolves to its loss once the GPU has run it.
   */
  async step(x: tf.Tensor, y: tf.Tensor): Promise<number> {
    const slot = this.stepIndex % LOSS_SLOTS;
    const powers = await this.adamPowers();
    const [xs, ys] = await Promise.all([x, y].map((t) => this.floats(t)));
    try {
      this.submit(xs as tf.Tensor, ys as tf.Tensor, slot, powers);
    } finally {
      if (xs !== x) xs?.dispose();
      if (ys !== y) ys?.dispose();
    }
    const staging = this.parts.buffers.staging;
    // Slots are 8 bytes apart, as mapAsync's offsets must be.
    await staging.mapAsync(GPUMapMode.READ, bytes(2 * slot), 8);
    const loss = new Float32Array(staging.getMappedRange(bytes(2 * slot), 8))[0] as number;
    staging.unmap();
    return loss;
  }

  /**
   * `t`, or a float32 copy of it where its storage is not float32: tfjs casts int32 to float32
   * without a copy (a one-hot label from `tf.oneHot(...).toFloat()`), so its buffer holds integers
   * a kernel would read as tiny floats.
   */
  private async floats(t: tf.Tensor): Promise<tf.Tensor> {
    if (this.parts.gpu.storesFloat32(t)) return t;
    return tf.tensor(await t.data(), t.shape, 'float32');
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

  private submit(
    images: tf.Tensor,
    targets: tf.Tensor,
    slot: number,
    powers: [number, number] | null,
  ): void {
    const { graph } = this.parts;
    const expect = (t: tf.Tensor, want: number[], what: string) => {
      if (t.dtype !== 'float32' || t.shape.join() !== want.join()) {
        throw new Error(
          `The training engine was compiled for ${what} of float32 ${JSON.stringify(want)}, not ${t.dtype} ${JSON.stringify(t.shape)}`,
        );
      }
    };
    expect(images, graph.input.shape, 'inputs');
    expect(targets, graph.target, 'targets');
    this.encode(images, targets, slot, powers);
  }

  private encode(x: tf.Tensor, y: tf.Tensor, slot: number, powers: [number, number] | null): void {
    const { gpu, buffers, dispatches, mirrors } = this.parts;
    const { device } = gpu;
    const hyper = this.parts.state.hyper(powers);
    device.queue.writeBuffer(
      buffers.optimizerUniforms,
      0,
      OPTIMIZER_UNIFORMS.pack({ count: this.parts.paramCount, ...hyper }),
    );
    for (const block of this.parts.perStep) {
      device.queue.writeBuffer(block.buffer, 0, block.pack(this.stepIndex, slot));
    }
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
