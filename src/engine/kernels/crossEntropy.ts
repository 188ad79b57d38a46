/**
 * The classifier's loss fused with its gradient: softmax over the logits, then the categorical
 * cross-entropy weighted per true class (Keras' class_weight; all 1 without), as
 * src/training/classifierModel.ts defines it:
 *
 *   p = softmax(z),  w_b = Σ_k t_bk · weight_k,  loss = mean_b w_b · -Σ_k t_bk log(max(p_bk, 1e-7))
 *   dL/dz_bk = w_b (p_bk Σ_j t_bj - t_bk) / B
 *
 * The gradient is softmax's and the log's together, without the clip's: they differ only where a
 * probability is below 1e-7, where tfjs's path stops the gradient and this one keeps pulling the
 * logit back. One workgroup; each thread takes whole samples.
 */
import { LANES, UniformLayout, WORKGROUP_SUM } from './uniforms.ts';

export const CROSS_ENTROPY_UNIFORMS = new UniformLayout({
  batch: 'i32',
  classes: 'i32',
  /** Where the step's loss goes in the loss buffer. */
  lossOffset: 'i32',
});

export const CROSS_ENTROPY_SHADER = `
${CROSS_ENTROPY_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> truth: array<f32>;
@group(0) @binding(2) var<storage, read> logits: array<f32>;
@group(0) @binding(3) var<storage, read> classWeights: array<f32>;
@group(0) @binding(4) var<storage, read_write> dLogits: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;
${WORKGROUP_SUM}
@compute @workgroup_size(${LANES})
fn main(@builtin(local_invocation_index) lane: u32) {
  var total = 0.0;
  for (var b = i32(lane); b < u.batch; b = b + ${LANES}) {
    let row = b * u.classes;
    var top = logits[row];
    for (var k = 1; k < u.classes; k = k + 1) { top = max(top, logits[row + k]); }
    var sum = 0.0;
    var truthSum = 0.0;
    var weight = 0.0;
    for (var k = 0; k < u.classes; k = k + 1) {
      sum = sum + exp(logits[row + k] - top);
      truthSum = truthSum + truth[row + k];
      weight = weight + truth[row + k] * classWeights[k];
    }
    var sample = 0.0;
    for (var k = 0; k < u.classes; k = k + 1) {
      let p = exp(logits[row + k] - top) / sum;
      sample = sample - truth[row + k] * log(max(p, 1e-7));
      dLogits[row + k] = weight * (p * truthSum - truth[row + k]) / f32(u.batch);
    }
    total = total + weight * sample;
  }
  let all = workgroupSum(total, lane);
  if (lane == 0u) { loss[u.lossOffset] = all / f32(u.batch); }
}`;
