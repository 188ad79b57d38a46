/**
 * Batch normalisation in training, followed by ReLU, as the SegNet and DenseNet use it: four
 * dispatches a layer instead of tfjs's twenty-odd.
 *
 * - statistics (one workgroup per CHANNEL_GROUP channels): the batch mean and biased variance over every
 *   position (two passes over the channel, as tfjs's moments computes them), the inverse standard
 *   deviation for the passes after, and the moving mean and variance updated in place as Keras does
 *   (moving -= (moving - batch) · (1 - momentum)).
 * - normalize: y = max(0, (x - mean) · invStd · gamma + beta).
 * - gradient sums (one workgroup per CHANNEL_GROUP channels): with g = dy where y > 0 (ReLU's gradient), Σ g and
 *   Σ g · x̂, which are also beta's and gamma's gradients.
 * - input gradient: dx = gamma · invStd / P · (P · g - Σ g - x̂ · Σ g · x̂), batch norm's backward
 *   through the batch statistics.
 *
 * The per-layer statistics (mean, then invStd, per channel) live in one buffer at `statsOffset`.
 * The input may be a view of a wider buffer (a DenseNet layer reads the first channels of its
 * block's buffer): positions `inStride` floats apart, channels from `inChannel`; its gradient is
 * written in the same place, added to what is there when `accumulate` is 1 (the block's channels
 * are read by every later layer, and each adds its share). The output is the layer's own.
 *
 * The two reductions give a workgroup CHANNEL_GROUP neighbouring channels, so that neighbouring
 * threads read neighbouring channels of one position (next to each other in memory). On a software
 * adapter (`software`), which runs a workgroup's threads as coroutines on the CPU and switches them
 * at every barrier, each channel has one thread that sums every position in turn, with no barrier,
 * one dispatch each. On a GPU the positions are cut into slices (bnSlices) so that the reductions
 * fill the GPU: a layer of 16 channels has only 2 channel groups, and as one workgroup each they
 * took 111 of the seed SegNet's 130 GPU ms a step on an H200 (200 px, batch 16). Each workgroup
 * (CHANNEL_GROUP channels x PHASES threads, added up in workgroup memory) reduces one slice into
 * `partials`, and a second dispatch combines the slices of each channel in slice order: the
 * statistics as each slice's mean and sum of squared deviations from it (two passes over the slice,
 * combined as Chan et al. do), the gradient sums as plain sums.
 */
import { gridStride, LANES, UniformLayout } from './uniforms.ts';

/** Channels of one statistics or gradient-sums workgroup. */
export const CHANNEL_GROUP = 8;
/** Threads per channel in those workgroups. */
const PHASES = LANES / CHANNEL_GROUP;

/** A slice of positions is not cut finer than this (at least 32 positions a thread). */
const MIN_SLICE = PHASES * 32;
/** Cut the positions until the channel groups and slices give about this many workgroups. */
const TARGET_WORKGROUPS = 1024;

/**
 * How a GPU's reductions cut a layer's positions: `slices` slices of `slice` positions (the last
 * may be shorter); one slice where the channel groups alone fill the GPU or the positions are few.
 */
export function bnSlices(positions: number, channels: number): { slices: number; slice: number } {
  const groups = Math.ceil(channels / CHANNEL_GROUP);
  const wanted = Math.ceil(TARGET_WORKGROUPS / groups);
  const most = Math.max(1, Math.floor(positions / MIN_SLICE));
  const slice = Math.ceil(positions / Math.max(1, Math.min(wanted, most)));
  return { slices: Math.ceil(positions / slice), slice };
}

/**
 * Workgroups of the statistics and gradient-sums kernels for `channels` channels: on a GPU, one
 * per channel group and slice (the partial reductions).
 */
export const channelGroups = (channels: number, slices = 1): [number, number, number] => [
  Math.ceil(channels / CHANNEL_GROUP),
  slices,
  1,
];

/** Workgroups of the kernels that combine the slices: one thread per channel. */
export const combineGroups = (channels: number): [number, number, number] => [
  Math.ceil(channels / 64),
  1,
  1,
];

/** The per-channel reductions' header: their channel `c`, phase, and the sum over the phases. */
const CHANNEL_SUM = `
var<workgroup> partial: array<f32, ${LANES}>;
/** The sum of \`value\` over the threads of this thread's channel. */
fn channelSum(value: f32, lid: vec3<u32>) -> f32 {
  let at = lid.y * ${CHANNEL_GROUP}u + lid.x;
  partial[at] = value;
  workgroupBarrier();
  for (var step = ${PHASES / 2}u; step > 0u; step = step >> 1u) {
    if (lid.y < step) { partial[at] = partial[at] + partial[at + step * ${CHANNEL_GROUP}u]; }
    workgroupBarrier();
  }
  let total = partial[lid.x];
  workgroupBarrier();
  return total;
}`;

export const BATCH_NORM_UNIFORMS = new UniformLayout({
  positions: 'i32',
  channels: 'i32',
  statsOffset: 'i32',
  gammaOffset: 'i32',
  betaOffset: 'i32',
  meanOffset: 'i32',
  varianceOffset: 'i32',
  momentum: 'f32',
  epsilon: 'f32',
  inStride: 'i32',
  inChannel: 'i32',
  accumulate: 'i32',
  /** A GPU's slices of the positions (bnSlices); 1 and every position on a software adapter. */
  slices: 'i32',
  slice: 'i32',
});

const HEADER = `
${BATCH_NORM_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
fn inIndex(p: i32, c: i32) -> i32 { return p * u.inStride + u.inChannel + c; }`;

/** The moving averages' update and the statistics' store, for channel `c` of `mean`, `variance`. */
const STORE_STATISTICS = `
    stats[u.statsOffset + c] = mean;
    stats[u.statsOffset + u.channels + c] = inverseSqrt(variance + u.epsilon);
    let keep = 1.0 - u.momentum;
    let movingMean = params[u.meanOffset + c];
    params[u.meanOffset + c] = movingMean - (movingMean - mean) * keep;
    let movingVariance = params[u.varianceOffset + c];
    params[u.varianceOffset + c] = movingVariance - (movingVariance - variance) * keep;`;

/**
 * Batch statistics and the moving averages' update on a software adapter: one thread a channel
 * sums its positions, then their squared deviations from the mean.
 */
export const BN_STATISTICS_SOFTWARE_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
@compute @workgroup_size(${CHANNEL_GROUP}, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = i32(wid.x * ${CHANNEL_GROUP}u + lid.x);
  if (c >= u.channels) { return; }
  var sum = 0.0;
  for (var p = 0; p < u.positions; p = p + 1) { sum = sum + x[inIndex(p, c)]; }
  let mean = sum / f32(u.positions);
  var squares = 0.0;
  for (var p = 0; p < u.positions; p = p + 1) {
    let d = x[inIndex(p, c)] - mean;
    squares = squares + d * d;
  }
  let variance = squares / f32(u.positions);${STORE_STATISTICS}
}`;

/** A GPU workgroup's slice of the positions: start to end, and this thread's channel. */
const SLICE = `
  let c = i32(wid.x * ${CHANNEL_GROUP}u + lid.x);
  let valid = c < u.channels;
  let start = i32(wid.y) * u.slice;
  let end = min(start + u.slice, u.positions);
  let at = 2 * (i32(wid.y) * u.channels + c);`;

/**
 * A GPU's partial statistics: each slice's mean and the sum of squared deviations from it, into
 * partials (two floats per slice and channel).
 */
export const BN_PARTIAL_STATISTICS_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
${CHANNEL_SUM}
@compute @workgroup_size(${CHANNEL_GROUP}, ${PHASES}, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {${SLICE}
  var sum = 0.0;
  if (valid) {
    for (var p = start + i32(lid.y); p < end; p = p + ${PHASES}) { sum = sum + x[inIndex(p, c)]; }
  }
  let mean = channelSum(sum, lid) / f32(end - start);
  var squares = 0.0;
  if (valid) {
    for (var p = start + i32(lid.y); p < end; p = p + ${PHASES}) {
      let d = x[inIndex(p, c)] - mean;
      squares = squares + d * d;
    }
  }
  let deviations = channelSum(squares, lid);
  if (lid.y == 0u && valid) {
    partials[at] = mean;
    partials[at + 1] = deviations;
  }
}`;

/**
 * The slices' statistics combined per channel in slice order (Chan et al.'s pairwise update of
 * count, mean and sum of squared deviations), then stored with the moving averages' update.
 */
export const BN_COMBINE_STATISTICS_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = i32(gid.x);
  if (c >= u.channels) { return; }
  var count = 0.0;
  var mean = 0.0;
  var deviations = 0.0;
  for (var s = 0; s < u.slices; s = s + 1) {
    let n = f32(min(u.slice, u.positions - s * u.slice));
    let at = 2 * (s * u.channels + c);
    let delta = partials[at] - mean;
    let total = count + n;
    mean = mean + delta * (n / total);
    deviations = deviations + partials[at + 1] + delta * delta * (count * n / total);
    count = total;
  }
  let variance = deviations / f32(u.positions);${STORE_STATISTICS}
}`;

/** The ReLU-masked output gradient g and the normalized input at position p, channel c. */
const GRADIENT_TERMS = `
      let i = p * u.channels + c;
      let g = select(0.0, dy[i], y[i] > 0.0);
      let normalized = (x[inIndex(p, c)] - mean) * invStd;`;

const GRADIENT_BINDINGS = `
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;`;

/** Batch norm's gradient sums (beta's and gamma's gradients) on a software adapter. */
export const BN_GRADIENT_SUMS_SOFTWARE_SHADER = `${HEADER}${GRADIENT_BINDINGS}
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;
@compute @workgroup_size(${CHANNEL_GROUP}, 1, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = i32(wid.x * ${CHANNEL_GROUP}u + lid.x);
  if (c >= u.channels) { return; }
  let mean = stats[u.statsOffset + c];
  let invStd = stats[u.statsOffset + u.channels + c];
  var sumG = 0.0;
  var sumGx = 0.0;
  for (var p = 0; p < u.positions; p = p + 1) {${GRADIENT_TERMS}
    sumG = sumG + g;
    sumGx = sumGx + g * normalized;
  }
  grads[u.betaOffset + c] = sumG;
  grads[u.gammaOffset + c] = sumGx;
}`;

/** A GPU's partial gradient sums, Σ g and Σ g · x̂ of each slice, into partials. */
export const BN_PARTIAL_GRADIENT_SUMS_SHADER = `${HEADER}${GRADIENT_BINDINGS}
@group(0) @binding(5) var<storage, read_write> partials: array<f32>;
${CHANNEL_SUM}
@compute @workgroup_size(${CHANNEL_GROUP}, ${PHASES}, 1)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {${SLICE}
  var sumG = 0.0;
  var sumGx = 0.0;
  if (valid) {
    let mean = stats[u.statsOffset + c];
    let invStd = stats[u.statsOffset + u.channels + c];
    for (var p = start + i32(lid.y); p < end; p = p + ${PHASES}) {${GRADIENT_TERMS}
      sumG = sumG + g;
      sumGx = sumGx + g * normalized;
    }
  }
  let totalG = channelSum(sumG, lid);
  let totalGx = channelSum(sumGx, lid);
  if (lid.y == 0u && valid) {
    partials[at] = totalG;
    partials[at + 1] = totalGx;
  }
}`;

/** The slices' gradient sums added per channel in slice order: beta's and gamma's gradients. */
export const BN_COMBINE_GRADIENT_SUMS_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = i32(gid.x);
  if (c >= u.channels) { return; }
  var sumG = 0.0;
  var sumGx = 0.0;
  for (var s = 0; s < u.slices; s = s + 1) {
    let at = 2 * (s * u.channels + c);
    sumG = sumG + partials[at];
    sumGx = sumGx + partials[at + 1];
  }
  grads[u.betaOffset + c] = sumG;
  grads[u.gammaOffset + c] = sumGx;
}`;

export const BN_NORMALIZE_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {
  ${gridStride('u.positions * u.channels')}
    let c = i % u.channels;
    let xi = x[inIndex(i / u.channels, c)];
    let normalized = (xi - stats[u.statsOffset + c]) * stats[u.statsOffset + u.channels + c];
    y[i] = max(normalized * params[u.gammaOffset + c] + params[u.betaOffset + c], 0.0);
  }
}`;

export const BN_INPUT_GRADIENT_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read> params: array<f32>;
@group(0) @binding(6) var<storage, read> grads: array<f32>;
@group(0) @binding(7) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {
  ${gridStride('u.positions * u.channels')}
    let c = i % u.channels;
    let at = inIndex(i / u.channels, c);
    let invStd = stats[u.statsOffset + u.channels + c];
    let normalized = (x[at] - stats[u.statsOffset + c]) * invStd;
    let g = select(0.0, dy[i], y[i] > 0.0);
    let count = f32(u.positions);
    let scale = params[u.gammaOffset + c] * invStd / count;
    let value = scale * (count * g - grads[u.betaOffset + c] - normalized * grads[u.gammaOffset + c]);
    dx[at] = select(value, dx[at] + value, u.accumulate == 1);
  }
}`;
