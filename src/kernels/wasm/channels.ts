/**
 * The rest of a training step on the kernel threads (native/channels.c): wrappers around the wasm
 * backend's FusedBatchNorm, SplitV, Multiply, Add and Sub that take the large, channels-last cases
 * (a batch's feature maps) and leave every other case to the backend's own kernel. tfjs runs these
 * on one thread; with the convolutions threaded they were most of what was left of a step on one
 * (bench: `--only=step --step-profile`: DenseNet-121's SplitV, the concatenation gradient, alone
 * took 255 ms of a 3.2 s step).
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelArgs } from './compose.ts';
import * as builds from './native/channels.wasm.ts';
import {
  address,
  nativeFunction,
  nativeKernel,
  nativeSimd,
  withFloats,
  withInts,
} from './native/module.ts';

/** Elements below which the backend's own kernel is as good: one thread, no call overhead. */
export const LARGE = 1 << 15;

const size = (info: tf.TensorInfo) => tf.util.sizeFromShape(info.shape);

/** Wraps `own` to run `native` where it returns a result, else `own`. */
const wrapper =
  (native: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | undefined) =>
  (own: tf.KernelFunc): tf.KernelFunc =>
  (args) =>
    (nativeSimd() ? native(args as unknown as KernelArgs) : undefined) ?? own(args);

/** A per-channel vector of `channels` floats: shape [C] or [1, ..., 1, C]. */
const isChannelVector = (info: tf.TensorInfo | undefined, channels: number) =>
  info !== undefined &&
  info.dtype === 'float32' &&
  info.shape.at(-1) === channels &&
  size(info) === channels;

export const fusedBatchNorm = wrapper(({ inputs, backend, attrs }) => {
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
    ],
    2 * size(x),
  );
  backend.disposeData(coefficients.dataId);
  return y;
});

export const splitV = wrapper(({ inputs, backend, attrs }) => {
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

const OPERATIONS = { Multiply: 0, Add: 1, Sub: 2 } as const;

/**
 * Multiply, Add or Sub of two float32 tensors of the same shape, or of a tensor and a per-channel
 * vector (the vector second; first too for the two that commute).
 */
export const binary = (name: keyof typeof OPERATIONS) =>
  wrapper(({ inputs, backend }) => {
    let { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    if (name !== 'Sub' && size(a) < size(b)) [a, b] = [b, a];
    const n = size(a);
    if (n < LARGE) return undefined;
    const same = tf.util.arraysEqual(a.shape, b.shape);
    const channels = a.shape.at(-1) ?? 0;
    if (!same && !isChannelVector(b, channels)) return undefined;
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
        same ? 0 : channels,
        OPERATIONS[name],
      ],
      // Memory-bound: a part is worth a thread from about 128 K elements.
      4 * n,
    );
    return out;
  });
