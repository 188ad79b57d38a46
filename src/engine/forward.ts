/**
 * The forward pass of a recorded step (record.ts): one or two dispatches per operation, each
 * writing its value's buffer (or its channels in a block's), which the backward pass reads.
 */
import type {
  BatchNormReluOp,
  ColorConstancyOp,
  ConvOp,
  DropoutOp,
  NormalizeOp,
  Op,
} from './graph.ts';
import {
  BATCH_NORM_UNIFORMS,
  BN_NORMALIZE_SHADER,
  BN_COMBINE_STATISTICS_SHADER,
  BN_PARTIAL_STATISTICS_SHADER,
  BN_STATISTICS_SOFTWARE_SHADER,
  bnSlices,
} from './kernels/batchNorm.ts';
import type { Epilogue } from './kernels/gemm.ts';
import {
  DROPOUT_SHADER,
  DROPOUT_UNIFORMS,
  GLOBAL_POOL_SHADER,
  GLOBAL_POOL_UNIFORMS,
} from './kernels/head.ts';
import {
  GREY_APPLY_SHADER,
  GREY_NORMS_SHADER,
  IMAGENET_NORMALIZE_SHADER,
  PREPROCESS_UNIFORMS,
} from './kernels/preprocess.ts';
import { AVG_POOL_SHADER, MAX_POOL_SHADER, UPSAMPLE_SHADER } from './kernels/resample.ts';
import { groupsFor } from './kernels/uniforms.ts';
import { EngineUnavailable, floatsOf, type Recording } from './recording.ts';

export function recordForward(rec: Recording): void {
  for (const op of rec.graph.ops) {
    switch (op.kind) {
      case 'conv':
        rec.gemm(
          'forward',
          op,
          epilogueOf(op),
          { a: rec.valueOf(op.x), b: rec.params, out: rec.valueOf(op.y) },
          rec.forward,
        );
        break;
      case 'batchNormRelu':
        batchNorm(rec, op);
        break;
      case 'maxPool':
      case 'avgPool':
        resample(rec, op, op);
        break;
      case 'upsample':
        resample(rec, op, { window: 2, stride: 2, pad: 0 });
        break;
      case 'globalPool': {
        const count = floatsOf(op.y);
        const uniforms = rec.gpu.uniforms(
          GLOBAL_POOL_UNIFORMS,
          { count, positions: op.x.shape[1] * op.x.shape[2], channels: op.x.shape[3] },
          op.name,
        );
        elementwise(rec, op, GLOBAL_POOL_SHADER, uniforms, count);
        break;
      }
      case 'colorConstancy':
      case 'normalize':
        preprocess(rec, op);
        break;
      case 'dropout':
        elementwise(rec, op, DROPOUT_SHADER, dropoutUniforms(rec, op), floatsOf(op.y));
        break;
    }
  }
}

/** How a convolution's output is written: with its bias and activation (softmax: the loss's). */
function epilogueOf(op: ConvOp): Epilogue {
  if (!op.bias) {
    if (op.activation === 'linear') return 'plain';
    throw new EngineUnavailable(`${op.name}: a ${op.activation} without a bias`);
  }
  if (op.activation === 'sigmoid') return 'biasSigmoid';
  if (op.activation === 'relu') return 'biasRelu';
  return 'bias';
}

function elementwise(rec: Recording, op: Op, code: string, uniforms: GPUBuffer, count: number) {
  rec.forward.push(
    rec.gpu.dispatch(
      `${op.kind} ${op.name}`,
      code,
      uniforms,
      [rec.valueOf(op.x), rec.valueOf(op.y)],
      [groupsFor(count), 1, 1],
    ),
  );
}

function resample(rec: Recording, op: Op, window: { window: number; stride: number; pad: number }) {
  const count = floatsOf(op.y);
  const code =
    op.kind === 'maxPool'
      ? MAX_POOL_SHADER
      : op.kind === 'avgPool'
        ? AVG_POOL_SHADER
        : UPSAMPLE_SHADER;
  const { window: w, stride, pad } = window;
  elementwise(rec, op, code, rec.poolUniforms(op, count, { window: w, stride, pad }), count);
}

/** A batch norm's uniforms; `accumulate` 1 for a backward that adds into a block's channels. */
export function batchNormUniforms(
  rec: Recording,
  op: BatchNormReluOp,
  accumulate: 0 | 1,
): GPUBuffer {
  const { layout } = rec;
  return rec.gpu.uniforms(
    BATCH_NORM_UNIFORMS,
    {
      positions: op.positions,
      channels: op.channels,
      statsOffset: rec.statsOffsets.get(op) as number,
      gammaOffset: layout.trained(op.gamma),
      betaOffset: layout.trained(op.beta),
      meanOffset: layout.any(op.movingMean),
      varianceOffset: layout.any(op.movingVariance),
      momentum: op.momentum,
      epsilon: op.epsilon,
      inStride: op.x.stride,
      inChannel: op.x.channel,
      accumulate,
      ...(rec.kernels === 'software'
        ? { slices: 1, slice: op.positions }
        : bnSlices(op.positions, op.channels)),
    },
    accumulate ? `${op.name} backward` : op.name,
  );
}

/**
 * Batch statistics (with the moving averages' update), then normalize + ReLU. On a GPU the
 * statistics are reduced by slices of the positions, then combined (batchNorm.ts).
 */
function batchNorm(rec: Recording, op: BatchNormReluOp) {
  const { gpu, params, stats } = rec;
  const x = rec.valueOf(op.x);
  const uniforms = batchNormUniforms(rec, op, 0);
  rec.uniformsOf.set(op, uniforms);
  rec.bnReduction(
    op,
    'bnStatistics',
    uniforms,
    {
      software: BN_STATISTICS_SOFTWARE_SHADER,
      partial: BN_PARTIAL_STATISTICS_SHADER,
      combine: BN_COMBINE_STATISTICS_SHADER,
    },
    { reads: [x], writes: [params, stats] },
    rec.forward,
  );
  rec.forward.push(
    gpu.dispatch(
      `bnNormalize ${op.name}`,
      BN_NORMALIZE_SHADER,
      uniforms,
      [x, params, stats, rec.valueOf(op.y)],
      [groupsFor(op.positions * op.channels), 1, 1],
    ),
  );
}

/** Colour constancy (norms, then the division) or ImageNet normalization. */
function preprocess(rec: Recording, op: ColorConstancyOp | NormalizeOp) {
  const { gpu } = rec;
  const [batch, height, width, channels] = op.x.shape;
  const count = floatsOf(op.x);
  const mean = op.kind === 'normalize' ? op.mean : [0, 0, 0];
  const std = op.kind === 'normalize' ? op.std : [1, 1, 1];
  const uniforms = gpu.uniforms(
    PREPROCESS_UNIFORMS,
    {
      count,
      positions: height * width,
      channels,
      mean0: mean[0] ?? 0,
      mean1: mean[1] ?? 0,
      mean2: mean[2] ?? 0,
      std0: std[0] ?? 1,
      std1: std[1] ?? 1,
      std2: std[2] ?? 1,
    },
    op.name,
  );
  if (op.kind === 'normalize') {
    elementwise(rec, op, IMAGENET_NORMALIZE_SHADER, uniforms, count);
    return;
  }
  const x = rec.valueOf(op.x);
  const norms = gpu.buffer(batch * channels, 'grey norms');
  rec.forward.push(
    gpu.dispatch(
      `greyNorms ${op.name}`,
      GREY_NORMS_SHADER,
      uniforms,
      [x, norms],
      [batch, channels, 1],
    ),
    gpu.dispatch(
      `greyApply ${op.name}`,
      GREY_APPLY_SHADER,
      uniforms,
      [x, norms, rec.valueOf(op.y)],
      [groupsFor(count), 1, 1],
    ),
  );
}

/** Dropout's uniforms, with a new seed every step; its backward shares them (the same mask). */
function dropoutUniforms(rec: Recording, op: DropoutOp): GPUBuffer {
  const count = floatsOf(op.y);
  const buffer = rec.gpu.uniforms(DROPOUT_UNIFORMS, { count, rate: op.rate, seed: 0 }, op.name);
  // A different stream per layer: the layer's index among the step's per-step blocks.
  const layer = rec.perStep.length;
  rec.perStep.push({
    buffer,
    pack: (step) =>
      DROPOUT_UNIFORMS.pack({
        count,
        rate: op.rate,
        seed: ((step + 1) * 7919 + layer * 104729) | 0,
      }),
  });
  rec.uniformsOf.set(op, buffer);
  return buffer;
}
