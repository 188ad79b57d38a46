/**
 * The two convolution gradients for the wasm backend, written as work XNNPACK already does fast.
 * tfjs-backend-wasm has no Conv2DBackpropFilter at all and a naive Conv2DBackpropInput, which made
 * training on the CPU about 260x slower than PyTorch on the same core (issue 9).
 *
 * - Input gradient: a stride-1 convolution of the output gradient (zero-dilated by the stride) with
 *   the kernel flipped in space and its channel axes swapped.
 * - Filter gradient: per kernel tap, one matrix product `x_tapᵀ · dy` over every output position
 *   (batch x height x width), run as a 1x1 convolution so XNNPACK's GEMM does it.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { call, convolve, free, pad, reshape, stridedSlice, transpose } from './compose.ts';

type Shape4 = [number, number, number, number];

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

export function conv2dBackpropFilter({
  inputs,
  backend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const filterShape = attrs.filterShape as Shape4;
  const info = convInfo(x.shape as Shape4, filterShape, attrs);
  const [n, h, w, inC] = x.shape as Shape4;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, outChannels: outC } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const positions = n * outHeight * outWidth;

  // x as [inC, n, rows, cols] with the padding made explicit, so that every tap is a strided view
  // whose rows are the channels and whose columns are the output positions.
  const rows = Math.max(h + top, kh - 1 + (outHeight - 1) * sh + 1);
  const cols = Math.max(w + left, kw - 1 + (outWidth - 1) * sw + 1);
  const padded =
    top > 0 || left > 0 || rows > h || cols > w
      ? pad(backend, x, [
          [0, 0],
          [top, rows - h - top],
          [left, cols - w - left],
          [0, 0],
        ])
      : x;
  const channelsFirst = transpose(backend, padded, [3, 0, 1, 2]);
  if (padded !== x) free(backend, padded);

  const dyAsFilter = reshape(backend, dy, [1, 1, positions, outC]);
  const taps: tf.TensorInfo[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const tap = stridedSlice(
        backend,
        channelsFirst,
        [0, 0, i, j],
        [inC, n, i + (outHeight - 1) * sh + 1, j + (outWidth - 1) * sw + 1],
        [1, 1, sh, sw],
      );
      const rowsOfTap = reshape(backend, tap, [1, 1, inC, positions]);
      const product = convolve(backend, rowsOfTap, dyAsFilter, [0, 0, 0, 0]);
      free(backend, tap, rowsOfTap);
      taps.push(product);
    }
  }
  free(backend, channelsFirst, dyAsFilter);

  const [only] = taps;
  if (taps.length === 1 && only) {
    const out = reshape(backend, only, [kh, kw, inC, outC]);
    free(backend, only);
    return out;
  }
  const stacked = call(backend, 'Concat', taps, { axis: 0 });
  const out = reshape(backend, stacked, [kh, kw, inC, outC]);
  free(backend, ...taps, stacked);
  return out;
}

export function conv2dBackpropInput({
  inputs,
  backend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}): tf.TensorInfo {
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const inputShape = attrs.inputShape as Shape4;
  const info = convInfo(inputShape, filter.shape as Shape4, attrs);
  const [n, h, w] = inputShape;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, outChannels: outC } = info;
  const { strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;

  // The kernel flipped in space, [kh, kw, outC, inC].
  const flipped = call(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
  const kernel = transpose(backend, flipped, [0, 1, 3, 2]);
  free(backend, flipped);

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
