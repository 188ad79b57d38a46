/**
 * The loss and the backward pass of a recorded step (record.ts), in reverse order of the forward
 * pass: each operation's parameter gradients into the flat gradient buffer, and its input's
 * gradient into the gradient buffer of the input's value.
 *
 * Gradient buffers come from a pool and go back once the last operation that reads them is
 * recorded. The first operation to write a value's gradient writes all of it; those after it (a
 * DenseNet layer's batch norm, reading the first channels of its block) add their share.
 */
import { dense, isPreprocess, type BatchNormReluOp, type Op, type View } from './graph.ts';
import { batchNormUniforms } from './forward.ts';
import {
  BN_COMBINE_GRADIENT_SUMS_SHADER,
  BN_GRADIENT_SUMS_SOFTWARE_SHADER,
  BN_PARTIAL_GRADIENT_SUMS_SHADER,
  BN_INPUT_GRADIENT_SHADER,
} from './kernels/batchNorm.ts';
import {
  DROPOUT_SHADER,
  GLOBAL_POOL_GRADIENT_SHADER,
  GLOBAL_POOL_UNIFORMS,
  RELU_GRADIENT_SHADER,
  RELU_GRADIENT_UNIFORMS,
} from './kernels/head.ts';
import {
  AVG_POOL_GRADIENT_SHADER,
  MAX_POOL_GRADIENT_SHADER,
  UPSAMPLE_GRADIENT_SHADER,
} from './kernels/resample.ts';
import { groupsFor } from './kernels/uniforms.ts';
import { recordLoss, type LossBuffers } from './loss.ts';
import { EngineUnavailable, floatsOf, type Recording } from './recording.ts';

interface Pooled {
  buffer: GPUBuffer;
  floats: number;
}

/** Where an input's gradient goes, and whether the kernel adds to what is there. */
interface Destination {
  buffer: GPUBuffer;
  accumulate: boolean;
}

/** The gradient buffers of the values, lent from a pool by liveness. */
class Gradients {
  private readonly free: Pooled[] = [];
  private readonly lent = new Map<number, Pooled>();
  private readonly readsLeft = new Map<number, number>();

  constructor(private readonly rec: Recording) {
    for (const op of rec.graph.ops) {
      this.readsLeft.set(op.y.storage, (this.readsLeft.get(op.y.storage) ?? 0) + 1);
    }
  }

  /** Where `op` writes the gradient of its input `view`; `canAdd` if its kernel can add. */
  write(op: Op, view: View, canAdd: boolean): Destination {
    const existing = this.lent.get(view.storage);
    if (existing) {
      if (!canAdd) throw new EngineUnavailable(`${op.name}'s input has several readers`);
      return { buffer: existing.buffer, accumulate: true };
    }
    const whole = this.rec.graph.storages[view.storage]?.floats;
    if (view.channel !== 0 || view.stride !== view.shape[3] || floatsOf(view) !== whole) {
      throw new EngineUnavailable(`${op.name} is the last reader of part of a value`);
    }
    const pooled = this.acquire(floatsOf(view));
    this.lent.set(view.storage, pooled);
    return { buffer: pooled.buffer, accumulate: false };
  }

  read(view: View): GPUBuffer {
    const pooled = this.lent.get(view.storage);
    if (!pooled) throw new EngineUnavailable('a value no operation reads');
    return pooled.buffer;
  }

  /** An operation that read `view`'s gradient is recorded: the last one frees the buffer. */
  doneReading(view: View): void {
    const left = (this.readsLeft.get(view.storage) ?? 0) - 1;
    this.readsLeft.set(view.storage, left);
    const pooled = this.lent.get(view.storage);
    if (left === 0 && pooled) this.free.push(pooled);
  }

  private acquire(floats: number): Pooled {
    this.free.sort((a, b) => a.floats - b.floats);
    const index = this.free.findIndex((f) => f.floats >= floats);
    if (index >= 0) return this.free.splice(index, 1)[0] as Pooled;
    return { buffer: this.rec.gpu.buffer(floats, 'gradients'), floats };
  }
}

export function recordBackward(
  rec: Recording,
  loss: Omit<LossBuffers, 'predicted' | 'gradient'>,
  classWeights: number[] | null,
): void {
  const { gpu, graph, params, grads } = rec;
  const gradients = new Gradients(rec);
  const last = graph.ops.at(-1) as Op;
  recordLoss(
    rec,
    {
      ...loss,
      predicted: rec.valueOf(graph.output),
      gradient: gradients.write(last, graph.output, false).buffer,
    },
    classWeights,
  );

  // The batch, and what preprocessing makes of it, need no gradient.
  const constant = new Set([graph.input.storage]);
  for (const op of graph.ops) if (isPreprocess(op)) constant.add(op.y.storage);
  for (const op of [...graph.ops].reverse()) {
    if (isPreprocess(op)) continue;
    const x = rec.valueOf(op.x);
    const y = rec.valueOf(op.y);
    const dy = gradients.read(op.y);
    const wantsInput = !constant.has(op.x.storage);
    const list = rec.backward;
    if (op.kind === 'conv') {
      if (op.activation === 'relu') {
        if (!dense(op.y)) throw new EngineUnavailable(`${op.name}: a ReLU written into a block`);
        const count = floatsOf(op.y);
        list.push(
          gpu.dispatch(
            `reluGradient ${op.name}`,
            RELU_GRADIENT_SHADER,
            gpu.uniforms(RELU_GRADIENT_UNIFORMS, { count }, op.name),
            [y, dy],
            [groupsFor(count), 1, 1],
          ),
        );
      }
      rec.gemm('filterGradient', op, 'store', { a: x, b: dy, out: grads }, list);
      if (wantsInput) {
        if (op.geometry.stride !== 1) throw new EngineUnavailable(`${op.name}: strided, not first`);
        const dx = gradients.write(op, op.x, false).buffer;
        rec.gemm('inputGradient', op, 'store', { a: dy, b: params, out: dx }, list);
      }
    } else if (op.kind === 'batchNormRelu') {
      batchNormBackward(rec, op, dy, wantsInput ? gradients.write(op, op.x, true) : null);
    } else if (wantsInput) {
      const dx = gradients.write(op, op.x, false).buffer;
      const count = floatsOf(op.x);
      const grid: [number, number, number] = [groupsFor(count), 1, 1];
      const label = `${op.kind}Gradient ${op.name}`;
      if (op.kind === 'maxPool') {
        const uniforms = rec.poolUniforms(op, count, op);
        list.push(gpu.dispatch(label, MAX_POOL_GRADIENT_SHADER, uniforms, [x, y, dy, dx], grid));
      } else if (op.kind === 'avgPool') {
        const uniforms = rec.poolUniforms(op, count, op);
        list.push(gpu.dispatch(label, AVG_POOL_GRADIENT_SHADER, uniforms, [dy, dx], grid));
      } else if (op.kind === 'upsample') {
        const uniforms = rec.poolUniforms(op, count, { window: 2, stride: 2, pad: 0 });
        list.push(gpu.dispatch(label, UPSAMPLE_GRADIENT_SHADER, uniforms, [dy, dx], grid));
      } else if (op.kind === 'globalPool') {
        const uniforms = gpu.uniforms(
          GLOBAL_POOL_UNIFORMS,
          { count, positions: op.x.shape[1] * op.x.shape[2], channels: op.x.shape[3] },
          label,
        );
        list.push(gpu.dispatch(label, GLOBAL_POOL_GRADIENT_SHADER, uniforms, [dy, dx], grid));
      } else if (op.kind === 'dropout') {
        const uniforms = rec.uniformsOf.get(op) as GPUBuffer;
        list.push(gpu.dispatch(label, DROPOUT_SHADER, uniforms, [dy, dx], grid));
      }
    }
    gradients.doneReading(op.y);
  }
}

/** Batch norm + ReLU's backward: its parameters' gradients, then its input's (or its share). */
function batchNormBackward(
  rec: Recording,
  op: BatchNormReluOp,
  dy: GPUBuffer,
  dx: Destination | null,
): void {
  const { gpu, stats, params, grads } = rec;
  const x = rec.valueOf(op.x);
  const y = rec.valueOf(op.y);
  const uniforms = rec.uniformsOf.get(op) as GPUBuffer;
  rec.bnReduction(
    op,
    'bnGradientSums',
    uniforms,
    {
      software: BN_GRADIENT_SUMS_SOFTWARE_SHADER,
      partial: BN_PARTIAL_GRADIENT_SUMS_SHADER,
      combine: BN_COMBINE_GRADIENT_SUMS_SHADER,
    },
    { reads: [dy, x, y, stats], writes: [grads] },
    rec.backward,
  );
  if (!dx) return;
  // Adding into a block's channels needs uniforms of its own (accumulate = 1).
  const backwardUniforms = dx.accumulate ? batchNormUniforms(rec, op, 1) : uniforms;
  rec.backward.push(
    gpu.dispatch(
      `bnInputGradient ${op.name}`,
      BN_INPUT_GRADIENT_SHADER,
      backwardUniforms,
      [dy, x, y, stats, params, grads, dx.buffer],
      [groupsFor(op.positions * op.channels), 1, 1],
    ),
  );
}
