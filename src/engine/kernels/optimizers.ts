/**
 * One optimizer dispatch per step for every parameter, over the flat parameter, gradient and state
 * buffers, with tfjs's arithmetic so that a run may switch paths at any checkpoint:
 *
 * - SGD with momentum (the seed's): a = m · a + g;  w = w - lr · a.
 * - Adam: m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²;
 *         w = w - lr · (m / (1 - β1^t)) / (√(v / (1 - β2^t)) + ε).
 *
 * Entries without a gradient (batch norm's moving statistics) have a zero gradient and zero state,
 * so both leave them as they are.
 */
import { gridStride, LANES, UniformLayout } from './uniforms.ts';

export const OPTIMIZER_UNIFORMS = new UniformLayout({
  count: 'i32',
  learningRate: 'f32',
  /** SGD: the momentum; Adam: β1. */
  beta1: 'f32',
  beta2: 'f32',
  /** Adam: 1 - β1^t and 1 - β2^t of this step. */
  correction1: 'f32',
  correction2: 'f32',
  epsilon: 'f32',
});

const HEADER = `
${OPTIMIZER_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grads: array<f32>;`;

const ENTRY = `@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {`;

export const SGD_MOMENTUM_SHADER = `${HEADER}
@group(0) @binding(3) var<storage, read_write> accumulation: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    let a = u.beta1 * accumulation[i] + grads[i];
    accumulation[i] = a;
    params[i] = params[i] - u.learningRate * a;
  }
}`;

export const ADAM_SHADER = `${HEADER}
@group(0) @binding(3) var<storage, read_write> moment1: array<f32>;
@group(0) @binding(4) var<storage, read_write> moment2: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    let g = grads[i];
    let m = u.beta1 * moment1[i] + (1.0 - u.beta1) * g;
    let v = u.beta2 * moment2[i] + (1.0 - u.beta2) * g * g;
    moment1[i] = m;
    moment2[i] = v;
    params[i] = params[i] - u.learningRate * (m / u.correction1) / (sqrt(v / u.correction2) + u.epsilon);
  }
}`;
