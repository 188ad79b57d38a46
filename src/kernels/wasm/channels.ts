/**
 * The rest of a training step on the kernel threads (native/channels.c): wrappers around the wasm
 * backend's FusedBatchNorm, Concat, SplitV, Slice, Relu, Multiply, Add and Sub that take the large,
 * channels-last cases (a batch's feature maps) and leave every other case to the backend's own
 * kernel, and ReLU's gradient as one kernel (for ../reluGrad.ts). tfjs runs these on one thread;
 * with the convolutions threaded they were most of what was left of a step on one (bench:
 * `--only=step --step-profile`: DenseNet-121's SplitV, the concatenation gradient, alone took 255
 * ms of a 3.2 s step; its ReLUs and their gradients' Step, Cast and Multiply 200 ms of a 1.9 s step
 * on two threads).
 */
import * as tf from '@tensorflow/tfjs';
import { nativeOrOwn, type KernelArgs, type Shape4 } from './compose.ts';
import * as builds from './native/channels.wasm.ts';
import { address, nativeFunction, nativeKernel, withFloats, withInts } from './native/module.ts';

/** Elements below which the backend's own kernel is as good: one thread, no call overhead. */
export const LARGE = 1 << 15;

const size = (info: tf.TensorInfo) => tf.util.sizeFromShape(info.shape);

/** A per-channel vector of `channels` floats: shape [C] or [1, ..., 1, C]. */
const isChannelVector = (info: tf.TensorInfo | undefined, channels: number) =>
  info !== undefined &&
  info.dtype === 'float32' &&
  info.shape.at(-1) === channels &&
  size(info) === channels;

export const fusedBatchNorm = nativeOrOwn(({ inputs, backend, attrs }) => {
  const { x, mean, variance, offset, scale } = inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x || x.dtype !== 'float32' || size(x) < LARGE) return undefined;
  const channels = x.shape.at(-1) ?? 0;
  const vectors = [mean, variance, ...(offset ? [offset] : []), ...(scale ? [scale] : [])];
  if (!vectors.every((v) => isChannelVector(v, channels))) return undefined;
  const coefficients = backend.makeOutput([2 * channels], 'float32');
  const y = backend.makeOutput(x.shape, 'float32');
  withFloats(backend, [attrs.varianceEpsilon as number], (epsilon) =>
    nativeFunction(backend, builds, 'batchNormCoefficients')(
      address(backend, mean as tf.TensorInfo),
      address(backend, variance as tf.TensorInfo),
      scale ? address(backend, scale) : 0,
      offset ? address(backend, offset) : 0,
      epsilon,
      address(backend, coefficients),
      channels,
    ),
  );
  nativeKernel(
    backend,
    builds,
    'scaleShift',
  )(
    [
      address(backend, x),
      address(backend, coefficients),
      address(backend, y),
      size(x) / channels,
      channels,
      0,
    ],
    2 * size(x),
  );
  backend.disposeData(coefficients.dataId);
  return y;
});

export const splitV = nativeOrOwn(({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32' || size(x) < LARGE) return undefined;
  const [axis] = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  if (axis !== x.shape.length - 1) return undefined;
  const widths = tf.backend_util.prepareSplitSize(
    x as tf.Tensor,
    attrs.numOrSizeSplits as number | number[],
    axis,
  );
  const channels = x.shape[axis] as number;
  const pieces = widths.map((width) =>
    backend.makeOutput([...x.shape.slice(0, -1), width], 'float32'),
  );
  withInts(backend, [...widths, ...pieces.map((p) => address(backend, p))], (at) =>
    nativeKernel(
      backend,
      builds,
      'splitChannels',
    )(
      [
        address(backend, x),
        at,
        at + 4 * widths.length,
        widths.length,
        size(x) / channels,
        channels,
      ],
      size(x),
    ),
  );
  return pieces;
});

/** Concatenation along channels, of float32 tensors (DenseNet's dense blocks). */
export const concat = nativeOrOwn(({ inputs, backend, attrs }) => {
  const all = inputs as unknown as tf.TensorInfo[];
  const first = all[0];
  if (!first || all.some((t) => t.dtype !== 'float32')) return undefined;
  const [axis] = tf.util.parseAxisParam(attrs.axis as number | number[], first.shape);
  if (axis !== first.shape.length - 1) return undefined;
  const pieces = all.filter((t) => size(t) > 0);
  if (pieces.length < 2) return undefined;
  const shape = tf.backend_util.computeOutShape(
    pieces.map((t) => t.shape),
    axis,
  );
  const total = tf.util.sizeFromShape(shape);
  if (total < LARGE) return undefined;
  const channels = shape[axis] as number;
  const widths = pieces.map((t) => t.shape[axis] as number);
  const out = backend.makeOutput(shape, 'float32');
  withInts(backend, [...pieces.map((t) => address(backend, t)), ...widths], (at) =>
    nativeKernel(
      backend,
      builds,
      'concatChannels',
    )(
      [
        at,
        at + 4 * pieces.length,
        pieces.length,
        address(backend, out),
        total / channels,
        channels,
      ],
      total,
    ),
  );
  return out;
});

const OPERATIONS = { Multiply: 0, Add: 1, Sub: 2, Relu: 3, ReluGradient: 4 } as const;

/**
 * Runs `elementwise` over float32 tensors a and b of a's size (a alone for Relu), or with `period`
 * > 0 b a vector of that many elements repeated along a.
 */
function elementwise(
  backend: KernelArgs['backend'],
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  operation: keyof typeof OPERATIONS,
  period = 0,
): tf.TensorInfo {
  const n = size(a);
  const out = backend.makeOutput(a.shape, 'float32');
  nativeKernel(
    backend,
    builds,
    'elementwise',
  )(
    [
      address(backend, a),
      address(backend, b),
      address(backend, out),
      n,
      period,
      OPERATIONS[operation],
    ],
    // Memory-bound: a part is worth a thread from about 128 K elements.
    4 * n,
  );
  return out;
}

export const relu = nativeOrOwn(({ inputs, backend }) => {
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32' || size(x) < LARGE) return undefined;
  return elementwise(backend, x, x, 'Relu');
});

export const RELU_GRADIENT = 'LesionLabReluGradient';

/** Inputs dy and y = relu(x), float32, of one shape: dy where y > 0, else 0. */
export function reluGradient({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, y } = inputs as Record<string, tf.TensorInfo>;
  return elementwise(backend, dy as tf.TensorInfo, y as tf.TensorInfo, 'ReluGradient');
}

/**
 * Multiply, Add or Sub of two float32 tensors of the same shape, or of a tensor and a per-channel
 * vector (the vector second; first too for the two that commute).
 */
export const binary = (name: 'Multiply' | 'Add' | 'Sub') =>
  nativeOrOwn(({ inputs, backend }) => {
    let { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    if (name !== 'Sub' && size(a) < size(b)) [a, b] = [b, a];
    const n = size(a);
    if (n < LARGE) return undefined;
    const same = tf.util.arraysEqual(a.shape, b.shape);
    const channels = a.shape.at(-1) ?? 0;
    if (!same && !isChannelVector(b, channels)) return undefined;
    return elementwise(backend, a, b, name, same ? 0 : channels);
  });

/**
 * A slice of a float32 tensor of up to 4 axes that is not one run of memory (tfjs copies those
 * with one `set`), as rows: the gradient of a zero padding (DenseNet's stem pads a [4, 112, 112,
 * 64] feature map), which tfjs's Slice copies row by row in JavaScript on one thread.
 */
export const slice = nativeOrOwn(({ inputs, backend, attrs }) => {
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype !== 'float32' || x.shape.length > 4) return undefined;
  const [begin, sizes] = tf.slice_util.parseSliceParams(
    x as tf.Tensor,
    attrs.begin as number | number[],
    attrs.size as number | number[],
  ) as [number[], number[]];
  if (tf.util.sizeFromShape(sizes) < LARGE || tf.slice_util.isSliceContinous(x.shape, begin, sizes))
    return undefined;
  const lead = 4 - x.shape.length;
  const shape = [...Array<number>(lead).fill(1), ...x.shape] as Shape4;
  const from = [...Array<number>(lead).fill(0), ...begin];
  const size = [...Array<number>(lead).fill(1), ...sizes] as Shape4;
  const [s0, s1, s2] = tf.util.computeStrides(shape) as [number, number, number];
  const offset = (from[0] ?? 0) * s0 + (from[1] ?? 0) * s1 + (from[2] ?? 0) * s2 + (from[3] ?? 0);
  // Whole rows of the last axis: each (i, j) is one run of size[2] * channels floats.
  const whole = size[3] === shape[3];
  const out = backend.makeOutput(sizes, 'float32');
  nativeKernel(
    backend,
    builds,
    'gatherRows',
  )(
    [
      address(backend, x) + 4 * offset,
      address(backend, out),
      whole ? size[2] * size[3] : size[3],
      size[0],
      size[1],
      whole ? 1 : size[2],
      s0,
      s1,
      whole ? 0 : s2,
    ],
    tf.util.sizeFromShape(sizes),
  );
  return out;
});
