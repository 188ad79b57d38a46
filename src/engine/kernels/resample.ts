/**
 * Pooling and upsampling, forward and backward, on NHWC tensors:
 *
 * - max pooling over square windows with a stride and zero padding (the SegNet's 2 x 2 / 2, and
 *   DenseNet's stem, 3 x 3 / 2 after a ZeroPadding2D of 1, whose zeros count as values);
 * - average pooling over square windows without padding (DenseNet's transitions, 2 x 2 / 2, the
 *   odd last row and column dropped as Keras' 'valid' does);
 * - 2x nearest-neighbour upsampling (the SegNet's decoder).
 *
 * A pooling's output may be a view of a wider buffer (DenseNet writes the stem's and each
 * transition's output into the first channels of the next block's buffer): positions `outStride`
 * floats apart, channels from `outChannel`; the output gradient is read in the same place.
 *
 * Max pooling keeps no argmax: its backward finds each window's first element (in row order) equal
 * to the pooled value, the one the gradient goes to. Ties only happen at ReLU's zeros, whose
 * gradient the layer before masks anyway.
 */
import { gridStride, LANES, UniformLayout } from './uniforms.ts';

export const RESAMPLE_UNIFORMS = new UniformLayout({
  /** Elements the dispatch runs over (its output's, or its input gradient's). */
  count: 'i32',
  inH: 'i32',
  inW: 'i32',
  outH: 'i32',
  outW: 'i32',
  channels: 'i32',
  window: 'i32',
  stride: 'i32',
  pad: 'i32',
  outStride: 'i32',
  outChannel: 'i32',
});

const HEADER = `
${RESAMPLE_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
fn inIndex(b: i32, y: i32, x: i32, c: i32) -> i32 { return ((b * u.inH + y) * u.inW + x) * u.channels + c; }
fn outIndex(b: i32, y: i32, x: i32, c: i32) -> i32 {
  return ((b * u.outH + y) * u.outW + x) * u.outStride + u.outChannel + c;
}`;

const ENTRY = `@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {`;

/** Splits a dense index over (height, width) into (b, y, x, c). */
const coords = (height: string, width: string) => `
    let c = i % u.channels;
    let x = (i / u.channels) % ${width};
    let y = (i / (u.channels * ${width})) % ${height};
    let b = i / (u.channels * ${width} * ${height});`;

/** The input at (b, y, x, c), with the padding's zeros outside. */
const PADDED = `
fn padded(b: i32, y: i32, x: i32, c: i32) -> f32 {
  if (y < 0 || y >= u.inH || x < 0 || x >= u.inW) { return 0.0; }
  return large[inIndex(b, y, x, c)];
}
fn pooledMax(b: i32, oy: i32, ox: i32, c: i32) -> f32 {
  var best = padded(b, oy * u.stride - u.pad, ox * u.stride - u.pad, c);
  for (var k = 1; k < u.window * u.window; k = k + 1) {
    best = max(best, padded(b, oy * u.stride - u.pad + k / u.window, ox * u.stride - u.pad + k % u.window, c));
  }
  return best;
}`;

/** The output windows that hold input row y (or column): oy in [first, last]. */
const WINDOWS = `
    let oyFirst = max(0, (y + u.pad - u.window + u.stride) / u.stride);
    let oyLast = min(u.outH - 1, (y + u.pad) / u.stride);
    let oxFirst = max(0, (x + u.pad - u.window + u.stride) / u.stride);
    let oxLast = min(u.outW - 1, (x + u.pad) / u.stride);`;

export const MAX_POOL_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> large: array<f32>;
@group(0) @binding(2) var<storage, read_write> small: array<f32>;
${PADDED}
${ENTRY}
  ${gridStride('u.count')}
    ${coords('u.outH', 'u.outW')}
    small[outIndex(b, y, x, c)] = pooledMax(b, y, x, c);
  }
}`;

export const MAX_POOL_GRADIENT_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> large: array<f32>;
@group(0) @binding(2) var<storage, read> small: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
${PADDED}
${ENTRY}
  ${gridStride('u.count')}
    ${coords('u.inH', 'u.inW')}
    ${WINDOWS}
    var total = 0.0;
    for (var oy = oyFirst; oy <= oyLast; oy = oy + 1) {
      for (var ox = oxFirst; ox <= oxLast; ox = ox + 1) {
        let o = outIndex(b, oy, ox, c);
        let pooled = small[o];
        var first = -1;
        for (var k = u.window * u.window - 1; k >= 0; k = k - 1) {
          if (padded(b, oy * u.stride - u.pad + k / u.window, ox * u.stride - u.pad + k % u.window, c) == pooled) { first = k; }
        }
        let mine = (y - oy * u.stride + u.pad) * u.window + (x - ox * u.stride + u.pad);
        if (first == mine) { total = total + dy[o]; }
      }
    }
    dx[i] = total;
  }
}`;

export const AVG_POOL_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> large: array<f32>;
@group(0) @binding(2) var<storage, read_write> small: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    ${coords('u.outH', 'u.outW')}
    var total = 0.0;
    for (var k = 0; k < u.window * u.window; k = k + 1) {
      total = total + large[inIndex(b, y * u.stride + k / u.window, x * u.stride + k % u.window, c)];
    }
    small[outIndex(b, y, x, c)] = total / f32(u.window * u.window);
  }
}`;

export const AVG_POOL_GRADIENT_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    ${coords('u.inH', 'u.inW')}
    ${WINDOWS}
    var total = 0.0;
    for (var oy = oyFirst; oy <= oyLast; oy = oy + 1) {
      for (var ox = oxFirst; ox <= oxLast; ox = ox + 1) { total = total + dy[outIndex(b, oy, ox, c)]; }
    }
    dx[i] = total / f32(u.window * u.window);
  }
}`;

/** Upsampling: `in` is the small side, `out` the large (both dense). */
export const UPSAMPLE_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> small: array<f32>;
@group(0) @binding(2) var<storage, read_write> large: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    ${coords('u.outH', 'u.outW')}
    large[outIndex(b, y, x, c)] = small[inIndex(b, y / 2, x / 2, c)];
  }
}`;

export const UPSAMPLE_GRADIENT_SHADER = `${HEADER}
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
${ENTRY}
  ${gridStride('u.count')}
    ${coords('u.inH', 'u.inW')}
    dx[i] = dy[outIndex(b, 2 * y, 2 * x, c)] + dy[outIndex(b, 2 * y, 2 * x + 1, c)]
      + dy[outIndex(b, 2 * y + 1, 2 * x, c)] + dy[outIndex(b, 2 * y + 1, 2 * x + 1, c)];
  }
}`;
