/**
 * The SegNet's soft Dice loss fused with its gradient, through the sigmoid of the mask head:
 *
 *   loss = 1 - mean_b D_b,  D_b = (2 I_b + 1) / (S_b + 1),  I_b = Σ t·p,  S_b = Σ t + Σ p
 *   dL/dz = -(2 t (S_b + 1) - (2 I_b + 1)) / (B (S_b + 1)²) · p (1 - p)
 *
 * as src/training/segmentationLoss.ts defines it (smoothing 1). Two dispatches: the per-image sums
 * (a workgroup per image), then the logits' gradient, whose first thread also writes the loss.
 */
import { gridStride, LANES, UniformLayout, WORKGROUP_SUM } from './uniforms.ts';

export const DICE_UNIFORMS = new UniformLayout({
  batch: 'i32',
  /** Pixels per image (one channel). */
  pixels: 'i32',
  /** Where the step's loss goes in the loss buffer. */
  lossOffset: 'i32',
});

const HEADER = `
${DICE_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;`;

export const DICE_SUMS_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> truth: array<f32>;
@group(0) @binding(2) var<storage, read> predicted: array<f32>;
@group(0) @binding(3) var<storage, read_write> sums: array<f32>;
${WORKGROUP_SUM}
@compute @workgroup_size(${LANES})
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = i32(wid.x);
  var intersection = 0.0;
  var total = 0.0;
  for (var q = i32(lane); q < u.pixels; q = q + ${LANES}) {
    let t = truth[b * u.pixels + q];
    let p = predicted[b * u.pixels + q];
    intersection = intersection + t * p;
    total = total + t + p;
  }
  let i = workgroupSum(intersection, lane);
  let s = workgroupSum(total, lane);
  if (lane == 0u) {
    sums[2 * b] = i;
    sums[2 * b + 1] = s;
  }
}`;

export const DICE_GRADIENT_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> truth: array<f32>;
@group(0) @binding(2) var<storage, read> predicted: array<f32>;
@group(0) @binding(3) var<storage, read> sums: array<f32>;
@group(0) @binding(4) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;
@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {
  if (gid.x == 0u) {
    var dice = 0.0;
    for (var b = 0; b < u.batch; b = b + 1) {
      dice = dice + (2.0 * sums[2 * b] + 1.0) / (sums[2 * b + 1] + 1.0);
    }
    loss[u.lossOffset] = 1.0 - dice / f32(u.batch);
  }
  ${gridStride('u.batch * u.pixels')}
    let b = i / u.pixels;
    let s = sums[2 * b + 1] + 1.0;
    let p = predicted[i];
    let dp = -(2.0 * truth[i] * s - (2.0 * sums[2 * b] + 1.0)) / (f32(u.batch) * s * s);
    dLogits[i] = dp * p * (1.0 - p);
  }
}`;
