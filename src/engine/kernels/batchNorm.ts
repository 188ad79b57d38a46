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
 * threads read neighbouring channels of one position (next to each other in memory). On a GPU each
 * channel has PHASES threads, each summing every PHASES-th position, added up in workgroup memory;
 * on a software adapter (`software`), which runs a workgroup's threads as coroutines on the CPU and
 * switches them at every barrier, each channel has one thread that sums every position in turn,
 * with no barrier.
 */
import { gridStride, LANES, UniformLayout } from './uniforms.ts';

/** Channels of one statistics or gradient-sums workgroup. */
export const CHANNEL_GROUP = 8;
/** Threads per channel in those workgroups. */
const PHASES = LANES / CHANNEL_GROUP;

/** Workgroups of the statistics and gradient-sums kernels for `channels` channels. */
export const channelGroups = (channels: number): [number, number, number] => [
  Math.ceil(channels / CHANNEL_GROUP),
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
});

const HEADER = `
${BATCH_NORM_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
fn inIndex(p: i32, c: i32) -> i32 { return p * u.inStride + u.inChannel + c; }`;

/** How a reduction's threads cover a channel's positions (batchNorm's two reductions). */
function reduction(software: boolean) {
  if (software) {
    return {
      size: `${CHANNEL_GROUP}, 1, 1`,
      shared: '',
      first: '0',
      step: '1',
      sum: (value: string) => value,
    };
  }
  return {
    size: `${CHANNEL_GROUP}, ${PHASES}, 1`,
    shared: CHANNEL_SUM,
    first: 'i32(lid.y)',
    step: `${PHASES}`,
    sum: (value: string) => `channelSum(${value}, lid)`,
  };
}

/** Batch statistics and the moving averages' update, for a software adapter or a GPU. */
export function bnStatisticsShader(software: boolean): string {
  const r = reduction(software);
  return `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
${r.shared}
@compute @workgroup_size(${r.size})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = i32(wid.x * ${CHANNEL_GROUP}u + lid.x);
  let valid = c < u.channels;
  var sum = 0.0;
  if (valid) {
    for (var p = ${r.first}; p < u.positions; p = p + ${r.step}) { sum = sum + x[inIndex(p, c)]; }
  }
  let mean = ${r.sum('sum')} / f32(u.positions);
  var squares = 0.0;
  if (valid) {
    for (var p = ${r.first}; p < u.positions; p = p + ${r.step}) {
      let d = x[inIndex(p, c)] - mean;
      squares = squares + d * d;
    }
  }
  let variance = ${r.sum('squares')} / f32(u.positions);
  if (lid.y == 0u && valid) {
    stats[u.statsOffset + c] = mean;
    stats[u.statsOffset + u.channels + c] = inverseSqrt(variance + u.epsilon);
    let keep = 1.0 - u.momentum;
    let movingMean = params[u.meanOffset + c];
    params[u.meanOffset + c] = movingMean - (movingMean - mean) * keep;
    let movingVariance = params[u.varianceOffset + c];
    params[u.varianceOffset + c] = movingVariance - (movingVariance - variance) * keep;
  }
}`;
}

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

/** Batch norm's gradient sums (beta's and gamma's gradients), for a software adapter or a GPU. */
export function bnGradientSumsShader(software: boolean): string {
  const r = reduction(software);
  return `${HEADER}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;
${r.shared}
@compute @workgroup_size(${r.size})
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = i32(wid.x * ${CHANNEL_GROUP}u + lid.x);
  let valid = c < u.channels;
  var sumG = 0.0;
  var sumGx = 0.0;
  if (valid) {
    let mean = stats[u.statsOffset + c];
    let invStd = stats[u.statsOffset + u.channels + c];
    for (var p = ${r.first}; p < u.positions; p = p + ${r.step}) {
      let i = p * u.channels + c;
      let g = select(0.0, dy[i], y[i] > 0.0);
      sumG = sumG + g;
      sumGx = sumGx + g * (x[inIndex(p, c)] - mean) * invStd;
    }
  }
  let totalG = ${r.sum('sumG')};
  let totalGx = ${r.sum('sumGx')};
  if (lid.y == 0u && valid) {
    grads[u.betaOffset + c] = totalG;
    grads[u.gammaOffset + c] = totalGx;
  }
}`;
}

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
