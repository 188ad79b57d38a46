/**
 * The classifier head's elementwise kernels: global average pooling and its gradient, dropout
 * (forward and backward are the same multiplication by the step's mask), and ReLU's gradient for a
 * dense layer's ReLU (applied in place to the gradient of its output).
 *
 * Dropout draws its mask from a hash of the element's index and the step's seed, so the backward
 * pass recomputes the forward's mask instead of storing it.
 */
import { gridStride, LANES, UniformLayout } from './uniforms.ts';

const ENTRY = `@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {`;

export const GLOBAL_POOL_UNIFORMS = new UniformLayout({
  /** Elements the dispatch runs over: batch · channels forward, the input's backward. */
  count: 'i32',
  positions: 'i32',
  channels: 'i32',
});

/** y[b, c] = mean over positions of x[b, p, c]. */
export const GLOBAL_POOL_SHADER = `
${GLOBAL_POOL_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    let c = i % u.channels;
    let b = i / u.channels;
    var total = 0.0;
    for (var p = 0; p < u.positions; p = p + 1) { total = total + x[(b * u.positions + p) * u.channels + c]; }
    y[i] = total / f32(u.positions);
  }
}`;

/** dx[b, p, c] = dy[b, c] / positions. */
export const GLOBAL_POOL_GRADIENT_SHADER = `
${GLOBAL_POOL_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    let c = i % u.channels;
    let b = i / (u.positions * u.channels);
    dx[i] = dy[b * u.channels + c] / f32(u.positions);
  }
}`;

export const DROPOUT_UNIFORMS = new UniformLayout({
  count: 'i32',
  rate: 'f32',
  /** Changes every step (a new mask); forward and backward of one step share it. */
  seed: 'i32',
});

/** dst = src · mask / (1 - rate), the mask kept where hash(i, seed) ≥ rate. */
export const DROPOUT_SHADER = `
${DROPOUT_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}
${ENTRY}
  ${gridStride('u.count')}
    let draw = f32(pcg(u32(i) ^ pcg(u32(u.seed))) >> 8u) / 16777216.0;
    dst[i] = select(0.0, src[i] / (1.0 - u.rate), draw >= u.rate);
  }
}`;

export const RELU_GRADIENT_UNIFORMS = new UniformLayout({ count: 'i32' });

/** g = g where y > 0, else 0 (in place). */
export const RELU_GRADIENT_SHADER = `
${RELU_GRADIENT_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    g[i] = select(0.0, g[i], y[i] > 0.0);
  }
}`;
