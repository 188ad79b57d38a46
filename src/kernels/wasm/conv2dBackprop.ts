/**
 * The two convolution gradients for the wasm backend. tfjs-backend-wasm has no Conv2DBackpropFilter
 * at all and a naive Conv2DBackpropInput, which made training on the CPU about 260x slower than
 * PyTorch on the same core (issue 9).
 *
 * - Input gradient: a stride-1 convolution of the output gradient (zero-dilated by the stride) with
 *   the kernel flipped in space and its channel axes swapped; the project's own (conv2d.ts) for a
 *   stride-1 convolution where `nativeConvolution` says so, XNNPACK's for the rest.
 * - Filter gradient: the project's own SIMD kernel (filterGradient.ts). Measured in Node, batch
 *   4 at 200 px, 16 -> 16 channels: 26-34 ms, against 90-112 ms for the best XNNPACK formulation
 *   found (one convolution of x, batch and channel axes swapped, by dy as the kernel), 262 ms for one
 *   1x1-convolution GEMM per kernel tap and 746 ms for BatchMatMul per tap.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  call,
  convolve,
  free,
  pad,
  reshape,
  transpose,
  type KernelArgs,
  type Shape4,
} from './compose.ts';
import { nativeConv2d, nativeConvolution } from './conv2d.ts';
import { filterGradient } from './filterGradient.ts';

function convInfo(
  xShape: Shape4,
  filterShape: Shape4,
  attrs: tf.NamedAttrMap,
): tf.backend_util.Conv2DInfo {
  const dataFormat = tf.backend_util.convertConv2DDataFormat(
    (attrs.dataFormat as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC',
  );
  if (dataFormat !== 'channelsLast') {
    throw new Error('The wasm convolution gradients support NHWC (channels last) only');
  }
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    dataFormat,
  );
}

export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const info = convInfo(x.shape as Shape4, attrs.filterShape as Shape4, attrs);
  return filterGradient(backend, x, dy, info);
}

/**
 * A [kh, kw, ...] kernel with both spatial axes reversed: the kh * kw taps in reverse order, each a
 * contiguous block copied whole. (wasm's Reverse goes element by element: 38 ms for a 1x1 kernel of
 * 1024 x 512, most of that layer's input gradient.) A 1x1 kernel is returned as it is.
 */
function flipSpatially(backend: BackendWasm, filter: tf.TensorInfo): tf.TensorInfo {
  const [kh, kw, ...rest] = filter.shape as Shape4;
  const taps = kh * kw;
  if (taps === 1) return filter;
  const block = rest.reduce((a, b) => a * b, 1);
  const rows = reshape(backend, filter, [taps, block]);
  const reversed = Array.from({ length: taps }, (_, t) =>
    call(backend, 'Slice', { x: rows }, { begin: [taps - 1 - t, 0], size: [1, block] }),
  );
  const stacked = call(backend, 'Concat', reversed, { axis: 0 });
  const out = reshape(backend, stacked, filter.shape);
  free(backend, rows, ...reversed, stacked);
  return out;
}

export function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const inputShape = attrs.inputShape as Shape4;
  const info = convInfo(inputShape, filter.shape as Shape4, attrs);
  const [n, h, w] = inputShape;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, outChannels: outC } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;

  if (sh === 1 && sw === 1 && nativeConvolution()) {
    return nativeConv2d(backend, {
      input: dy,
      kernel: filter,
      flip: true,
      relu: false,
      outHeight: h,
      outWidth: w,
      top: kh - 1 - top,
      left: kw - 1 - left,
    });
  }
  // Strided (DenseNet's first convolution, whose input needs no gradient, is the only one in the
  // app's models), or XNNPACK's (see nativeConvolution): the kernel flipped in space, [kh, kw, outC,
  // inC].
  const flipped = flipSpatially(backend, filter);
  const kernel = transpose(backend, flipped, [0, 1, 3, 2]);
  if (flipped !== filter) free(backend, flipped);

  // dy with stride - 1 zeros after every row and column (nothing to do at stride 1).
  let dilated = dy;
  if (sh > 1 || sw > 1) {
    const spread = reshape(backend, dy, [n, outHeight, 1, outWidth, 1, outC]);
    const zeros = pad(backend, spread, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    dilated = reshape(backend, zeros, [n, outHeight * sh, outWidth * sw, outC]);
    free(backend, spread, zeros);
  }
  const padTop = kh - 1 - top;
  const padLeft = kw - 1 - left;
  const out = convolve(backend, dilated, kernel, [
    padTop,
    h + top - outHeight * sh,
    padLeft,
    w + left - outWidth * sw,
  ]);
  free(backend, kernel);
  if (dilated !== dy) free(backend, dilated);
  return out;
}
