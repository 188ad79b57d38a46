/**
 * What recording a step shares (record.ts, forward.ts, backward.ts, loss.ts): the flat parameter
 * and gradient buffers with each weight's offset in them, a buffer per value of the forward pass,
 * batch norm's statistics, the split-K scratch, the dispatch lists, and the helpers that record a
 * convolution as implicit GEMMs and make a pooling's uniforms.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchNormReluOp, ConvOp, Graph, Op, View } from './graph.ts';
import type { Dispatch, Gpu } from './gpu.ts';
import {
  GEMM_UNIFORMS,
  gemmShader,
  gemmSizes,
  gemmUniforms,
  gemmWorkgroups,
  planGemm,
  SUM_FORWARD_UNIFORMS,
  SUM_SLICES_SHADER,
  SUM_SLICES_UNIFORMS,
  sumForwardShader,
  type Epilogue,
  type GemmKind,
  styleOn,
  type GemmStyle,
} from './kernels/gemm.ts';
import { bnSlices, channelGroups, combineGroups } from './kernels/batchNorm.ts';
import { RESAMPLE_UNIFORMS } from './kernels/resample.ts';
import { groupsFor } from './kernels/uniforms.ts';
import type { TileChoice } from '../kernels/webgpu/gemmPlan.ts';

/**
 * Which kind of adapter the step's kernels are chosen for: a GPU's (tiled products, workgroup
 * reductions), or a software adapter's, which runs a workgroup's threads as coroutines on the CPU
 * and is fastest without barriers (gemm.ts styleOn, batchNorm.ts).
 */
export type KernelSet = 'gpu' | 'software';

/** Why the engine does not train a model (it then trains through tfjs). */
export class EngineUnavailable extends Error {}

/** A uniform block rewritten before every step (the loss slot, dropout's seed). */
export interface PerStep {
  buffer: GPUBuffer;
  pack: (step: number, slot: number) => ArrayBuffer;
}

export const size = (shape: readonly number[]) => tf.util.sizeFromShape(shape as number[]);
export const floatsOf = (view: View) => size(view.shape);

/** Every weight's place in the flat buffers, in the model's weight order. */
export class FlatLayout {
  readonly offsets = new Map<tf.LayerVariable, number>();
  readonly count: number;
  private readonly trainable: Set<tf.LayerVariable>;

  constructor(model: tf.LayersModel) {
    let count = 0;
    for (const weight of model.weights) {
      this.offsets.set(weight, count);
      count += size(weight.shape as number[]);
    }
    this.count = count;
    this.trainable = new Set(model.trainableWeights);
  }

  /** A trained weight's offset (the engine updates every one it reads as trained). */
  trained(weight: tf.LayerVariable): number {
    if (!this.trainable.has(weight)) throw new EngineUnavailable(`${weight.name} is frozen`);
    return this.offsets.get(weight) as number;
  }

  /** Any weight's offset (batch norm's moving statistics too). */
  any(weight: tf.LayerVariable): number {
    return this.offsets.get(weight) as number;
  }
}

export class Recording {
  readonly forward: Promise<Dispatch>[] = [];
  readonly backward: Promise<Dispatch>[] = [];
  readonly perStep: PerStep[] = [];
  /** A batch norm's forward uniforms, which its backward shares; dropout's, whose seed it shares. */
  readonly uniformsOf = new Map<Op, GPUBuffer>();
  /** Where each batch norm's mean and inverse standard deviation start in `stats`. */
  readonly statsOffsets = new Map<Op, number>();
  readonly stats: GPUBuffer;
  /** The split-K scratch, shared by every filter gradient. */
  readonly partials: GPUBuffer;
  /** A GPU's batch-norm slices (two floats per slice and channel), shared by every batch norm. */
  readonly bnPartials: GPUBuffer;
  /** The batch's buffer, then one per value buffer of the graph (graph.storages). */
  readonly input: GPUBuffer;
  private readonly values: GPUBuffer[];
  /** The products' style for the kernel set (gemm.ts styleOn). */
  readonly style: GemmStyle;

  constructor(
    readonly gpu: Gpu,
    readonly graph: Graph,
    readonly layout: FlatLayout,
    readonly params: GPUBuffer,
    readonly grads: GPUBuffer,
    /** Which adapter's kernels the step uses. */
    readonly kernels: KernelSet,
    /** The filter gradients' tiles chosen by measurement (tileChoice.ts); the plan elsewhere. */
    private readonly tiles: ReadonlyMap<ConvOp, Partial<TileChoice>> = new Map(),
  ) {
    this.style = styleOn(kernels === 'software');
    let statsCount = 0;
    let scratch = 0;
    let bnScratch = 0;
    for (const op of graph.ops) {
      if (op.kind === 'batchNormRelu') {
        this.statsOffsets.set(op, statsCount);
        statsCount += 2 * op.channels;
        if (kernels === 'gpu')
          bnScratch = Math.max(
            bnScratch,
            2 * bnSlices(op.positions, op.channels).slices * op.channels,
          );
      } else if (op.kind === 'conv') {
        for (const kind of ['filterGradient', 'forward'] as const) {
          const { sizes, plan } = this.plan(kind, op);
          if (plan.slices > 1) scratch = Math.max(scratch, plan.slices * sizes.m * sizes.n);
        }
      }
    }
    this.stats = gpu.buffer(statsCount, 'batch-norm statistics');
    this.partials = gpu.buffer(scratch, "split products' slices");
    this.bnPartials = gpu.buffer(bnScratch, 'batch-norm slices');
    this.input = gpu.buffer(floatsOf(graph.input), 'images');
    this.values = graph.storages.map((s, i) =>
      i === graph.input.storage ? this.input : gpu.buffer(s.floats, s.label),
    );
  }

  valueOf(view: View): GPUBuffer {
    return this.values[view.storage] as GPUBuffer;
  }

  /**
   * A convolution's product of `kind`: its sizes and plan (the filter gradient's tile as
   * measured; a long forward product split on a GPU).
   */
  private plan(kind: GemmKind, op: ConvOp) {
    const sizes = gemmSizes(kind, op.geometry, op.bias !== null);
    const tile = kind === 'filterGradient' ? this.tiles.get(op) : undefined;
    return { sizes, plan: planGemm(kind, sizes.m, sizes.n, sizes.r, this.style, tile, true) };
  }

  /** A convolution's product of `kind` (with its split-K sum) into `list`. */
  gemm(
    kind: GemmKind,
    op: ConvOp,
    epilogue: Epilogue,
    operands: { a: GPUBuffer; b: GPUBuffer; out: GPUBuffer },
    list: Promise<Dispatch>[],
  ): void {
    const { gpu, layout } = this;
    const bias = op.bias !== null;
    const { sizes, plan } = this.plan(kind, op);
    const sliced = plan.slices > 1;
    const uniforms = gemmUniforms(op.geometry, sizes, plan, {
      kernelOffset: layout.trained(op.kernel),
      biasOffset: op.bias ? layout.trained(op.bias) : 0,
      outOffset: kind === 'filterGradient' && !sliced ? layout.trained(op.kernel) : 0,
      biasRow: kind === 'filterGradient' && bias ? sizes.m - 1 : -1,
    });
    list.push(
      gpu.dispatch(
        `${kind} ${op.name}`,
        gemmShader(kind, plan, sliced ? 'store' : epilogue, this.style),
        gpu.uniforms(GEMM_UNIFORMS, uniforms, `${kind} ${op.name}`),
        [operands.a, operands.b, sliced ? this.partials : operands.out],
        gemmWorkgroups(plan, sizes.m, sizes.n),
      ),
    );
    if (!sliced) return;
    if (kind === 'forward') {
      if (epilogue === 'store') throw new Error(`a forward product has an epilogue (${op.name})`);
      const g = op.geometry;
      list.push(
        gpu.dispatch(
          `sumSlices ${op.name}`,
          sumForwardShader(epilogue),
          gpu.uniforms(
            SUM_FORWARD_UNIFORMS,
            {
              m: sizes.m,
              n: sizes.n,
              slices: plan.slices,
              biasOffset: uniforms.biasOffset,
              outStride: g.outStride,
              outChannel: g.outChannel,
            },
            `sum ${op.name}`,
          ),
          [this.partials, operands.b, operands.out],
          [groupsFor(sizes.m * sizes.n), 1, 1],
        ),
      );
      return;
    }
    const count = sizes.m * sizes.n;
    list.push(
      gpu.dispatch(
        `sumSlices ${op.name}`,
        SUM_SLICES_SHADER,
        gpu.uniforms(
          SUM_SLICES_UNIFORMS,
          { size: count, slices: plan.slices, outOffset: layout.trained(op.kernel) },
          `sum ${op.name}`,
        ),
        [this.partials, operands.out],
        [groupsFor(count), 1, 1],
      ),
    );
  }

  /**
   * A batch norm's per-channel reduction into `list`, reading `reads` and writing `writes`: one
   * dispatch of `software` on a software adapter; on a GPU, `partial` by slices of the positions
   * into bnPartials, then `combine` from them (batchNorm.ts).
   */
  bnReduction(
    op: BatchNormReluOp,
    label: string,
    uniforms: GPUBuffer,
    shaders: { software: string; partial: string; combine: string },
    buffers: { reads: GPUBuffer[]; writes: GPUBuffer[] },
    list: Promise<Dispatch>[],
  ): void {
    const { gpu } = this;
    const { reads, writes } = buffers;
    if (this.kernels === 'software') {
      list.push(
        gpu.dispatch(
          `${label} ${op.name}`,
          shaders.software,
          uniforms,
          [...reads, ...writes],
          channelGroups(op.channels),
        ),
      );
      return;
    }
    const { slices } = bnSlices(op.positions, op.channels);
    list.push(
      gpu.dispatch(
        `${label} ${op.name}`,
        shaders.partial,
        uniforms,
        [...reads, this.bnPartials],
        channelGroups(op.channels, slices),
      ),
      gpu.dispatch(
        `${label}Combine ${op.name}`,
        shaders.combine,
        uniforms,
        [this.bnPartials, ...writes],
        combineGroups(op.channels),
      ),
    );
  }

  /** A pooling's or upsampling's uniforms over `count` elements. */
  poolUniforms(
    op: Op,
    count: number,
    window: { window: number; stride: number; pad: number },
  ): GPUBuffer {
    return this.gpu.uniforms(
      RESAMPLE_UNIFORMS,
      {
        count,
        inH: op.x.shape[1],
        inW: op.x.shape[2],
        outH: op.y.shape[1],
        outW: op.y.shape[2],
        channels: op.x.shape[3],
        window: window.window,
        stride: window.stride,
        pad: window.pad,
        outStride: op.y.stride,
        outChannel: op.y.channel,
      },
      op.name,
    );
  }
}
