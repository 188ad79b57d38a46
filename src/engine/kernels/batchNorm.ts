/**
 * Batch normalisation in training, followed by ReLU, as the SegNet and DenseNet use it: four
 * dispatches a layer instead of tfjs's twenty-odd.
 *
 * - statistics (one workgroup per channel): the batch mean and biased variance over every
 *   position (two passes over the channel, as tfjs's moments computes them), the inverse standard
 *   deviation for the passes after, and the moving mean and variance updated in place as Keras does
 *   (moving -= (moving - batch) · (1 - momentum)).
 * - normalize: y = max(0, (x - mean) · invStd · gamma + beta).
 * - gradient sums (one workgroup per channel): with g = dy where y > 0 (ReLU's gradient), Σ g and
 *   Σ g · x̂, which are also beta's and gamma's gradients.
 * - input gradient: dx = gamma · invStd / P · (P · g - Σ g - x̂ · Σ g · x̂), batch norm's backward
 *   through the batch statistics.
 *
 * The per-layer statistics (mean, then invStd, per channel) live in one buffer at `statsOffset`.
 * The input may be a view of a wider buffer (a DenseNet layer reads the first channels of its
 * block's buffer): positions `inStride` floats apart, channels from `inChannel`; its gradient is
 * written in the same place, added to what is there when `accumulate` is 1 (the block's channels
 * are read by every later layer, and each adds its share). The output is the layer's own.
 */
import { gridStride, LANES, UniformLayout, WORKGROUP_SUM } from './uniforms.ts';

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

export const BN_STATISTICS_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> stats: array<f32>;
${WORKGROUP_SUM}
@compute @workgroup_size(${LANES})
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = i32(wid.x);
  var sum = 0.0;
  for (var p = i32(lane); p < u.positions; p = p + ${LANES}) { sum = sum + x[inIndex(p, c)]; }
  let mean = workgroupSum(sum, lane) / f32(u.positions);
  var squares = 0.0;
  for (var p = i32(lane); p < u.positions; p = p + ${LANES}) {
    let d = x[inIndex(p, c)] - mean;
    squares = squares + d * d;
  }
  let variance = workgroupSum(squares, lane) / f32(u.positions);
  if (lane == 0u) {
    stats[u.statsOffset + c] = mean;
    stats[u.statsOffset + u.channels + c] = inverseSqrt(variance + u.epsilon);
    let keep = 1.0 - u.momentum;
    let movingMean = params[u.meanOffset + c];
    params[u.meanOffset + c] = movingMean - (movingMean - mean) * keep;
    let movingVariance = params[u.varianceOffset + c];
    params[u.varianceOffset + c] = movingVariance - (movingVariance - variance) * keep;
  }
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

export const BN_GRADIENT_SUMS_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;
${WORKGROUP_SUM}
@compute @workgroup_size(${LANES})
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let c = i32(wid.x);
  let mean = stats[u.statsOffset + c];
  let invStd = stats[u.statsOffset + u.channels + c];
  var sumG = 0.0;
  var sumGx = 0.0;
  for (var p = i32(lane); p < u.positions; p = p + ${LANES}) {
    let i = p * u.channels + c;
    let g = select(0.0, dy[i], y[i] > 0.0);
    sumG = sumG + g;
    sumGx = sumGx + g * (x[inIndex(p, c)] - mean) * invStd;
  }
  let totalG = workgroupSum(sumG, lane);
  let totalGx = workgroupSum(sumGx, lane);
  if (lane == 0u) {
    grads[u.betaOffset + c] = totalG;
    grads[u.gammaOffset + c] = totalGx;
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
