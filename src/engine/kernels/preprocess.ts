/**
 * The classifier's weightless layers in front of its first convolution, forward only (no
 * parameter comes before them, so nothing needs their gradient), as src/models/densenet.ts
 * defines them:
 *
 * - colour constancy (shades of grey): per image and channel the 6-norm n = mean(max(x, 0)^6)^(1/6),
 *   then y = clamp(x / ((n + 1e-6) / (mean over channels of n + 1e-6)), 0, 1). Two dispatches: the
 *   norms (a workgroup per image and channel), then the division.
 * - ImageNet normalization: y = (x - mean) / std per channel.
 */
import { gridStride, LANES, UniformLayout, WORKGROUP_SUM } from './uniforms.ts';

export const PREPROCESS_UNIFORMS = new UniformLayout({
  /** Elements of the batch. */
  count: 'i32',
  /** Positions per image (height · width). */
  positions: 'i32',
  channels: 'i32',
  mean0: 'f32',
  mean1: 'f32',
  mean2: 'f32',
  std0: 'f32',
  std1: 'f32',
  std2: 'f32',
});

const HEADER = `
${PREPROCESS_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;`;

const ENTRY = `@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {`;

/** norms[b · channels + c], one workgroup per image (x) and channel (y). */
export const GREY_NORMS_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> norms: array<f32>;
${WORKGROUP_SUM}
@compute @workgroup_size(${LANES})
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = i32(wid.x);
  let c = i32(wid.y);
  var sum = 0.0;
  for (var p = i32(lane); p < u.positions; p = p + ${LANES}) {
    sum = sum + pow(max(x[(b * u.positions + p) * u.channels + c], 0.0), 6.0);
  }
  let mean = workgroupSum(sum, lane) / f32(u.positions);
  if (lane == 0u) { norms[b * u.channels + c] = select(0.0, pow(mean, 1.0 / 6.0), mean > 0.0); }
}`;

export const GREY_APPLY_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> norms: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    let c = i % u.channels;
    let b = i / (u.positions * u.channels);
    var grey = 0.0;
    for (var k = 0; k < u.channels; k = k + 1) { grey = grey + norms[b * u.channels + k]; }
    let share = (norms[b * u.channels + c] + 1e-6) / (grey / f32(u.channels) + 1e-6);
    y[i] = clamp(x[i] / share, 0.0, 1.0);
  }
}`;

export const IMAGENET_NORMALIZE_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    let c = i % u.channels;
    let mean = select(select(u.mean2, u.mean1, c == 1), u.mean0, c == 0);
    let std = select(select(u.std2, u.std1, c == 1), u.std0, c == 0);
    y[i] = (x[i] - mean) / std;
  }
}`;
