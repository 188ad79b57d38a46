/**
 * The SegNet's 2 x 2 max pooling (stride 2) and 2x nearest-neighbour upsampling, forward and
 * backward, on NHWC tensors of even height and width.
 *
 * The pooling keeps no argmax: its backward finds the window's first element (in row order) equal
 * to the pooled value, the one the gradient goes to. Ties only happen at ReLU's zeros, whose
 * gradient the layer before masks anyway.
 */
import { gridStride, LANES, UniformLayout } from './uniforms.ts';

/** Sizes of the larger (unpooled) side: batch · height · width · channels, and its geometry. */
export const RESAMPLE_UNIFORMS = new UniformLayout({
  count: 'i32',
  height: 'i32',
  width: 'i32',
  channels: 'i32',
});

const HEADER = `
${RESAMPLE_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
fn largeIndex(b: i32, y: i32, x: i32, c: i32) -> i32 { return ((b * u.height + y) * u.width + x) * u.channels + c; }
fn smallIndex(b: i32, y: i32, x: i32, c: i32) -> i32 {
  return ((b * (u.height / 2) + y) * (u.width / 2) + x) * u.channels + c;
}`;

const ENTRY = `@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {`;

/** Splits a small-side index into (b, y, x, c). */
const SMALL_COORDS = `
    let c = i % u.channels;
    let x = (i / u.channels) % (u.width / 2);
    let y = (i / (u.channels * (u.width / 2))) % (u.height / 2);
    let b = i / (u.channels * (u.width / 2) * (u.height / 2));`;

const LARGE_COORDS = `
    let c = i % u.channels;
    let x = (i / u.channels) % u.width;
    let y = (i / (u.channels * u.width)) % u.height;
    let b = i / (u.channels * u.width * u.height);`;

export const MAX_POOL_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> large: array<f32>;
@group(0) @binding(2) var<storage, read_write> small: array<f32>;
${ENTRY}
  ${gridStride('u.count / 4')}
    ${SMALL_COORDS}
    let top = max(large[largeIndex(b, 2 * y, 2 * x, c)], large[largeIndex(b, 2 * y, 2 * x + 1, c)]);
    let bottom = max(large[largeIndex(b, 2 * y + 1, 2 * x, c)], large[largeIndex(b, 2 * y + 1, 2 * x + 1, c)]);
    small[i] = max(top, bottom);
  }
}`;

export const MAX_POOL_GRADIENT_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> large: array<f32>;
@group(0) @binding(2) var<storage, read> small: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    ${LARGE_COORDS}
    let o = smallIndex(b, y / 2, x / 2, c);
    let pooled = small[o];
    let y0 = y - y % 2;
    let x0 = x - x % 2;
    var first = 3;
    for (var k = 3; k >= 0; k = k - 1) {
      if (large[largeIndex(b, y0 + k / 2, x0 + k % 2, c)] == pooled) { first = k; }
    }
    dx[i] = select(0.0, dy[o], first == (y % 2) * 2 + x % 2);
  }
}`;

export const UPSAMPLE_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> small: array<f32>;
@group(0) @binding(2) var<storage, read_write> large: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    ${LARGE_COORDS}
    large[i] = small[smallIndex(b, y / 2, x / 2, c)];
  }
}`;

export const UPSAMPLE_GRADIENT_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${ENTRY}
  ${gridStride('u.count / 4')}
    ${SMALL_COORDS}
    dx[i] = dy[largeIndex(b, 2 * y, 2 * x, c)] + dy[largeIndex(b, 2 * y, 2 * x + 1, c)]
      + dy[largeIndex(b, 2 * y + 1, 2 * x, c)] + dy[largeIndex(b, 2 * y + 1, 2 * x + 1, c)];
  }
}`;
