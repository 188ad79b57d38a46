/** The filter gradient in the project's own WebAssembly (native/filter_gradient.c). */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Shape4 } from './compose.ts';
import * as builds from './native/filterGradient.wasm.ts';
import { address, nativeKernel } from './native/module.ts';

/** Floats of x and dy the kernel keeps together in one block of pixels: 64 KB, within L2. */
const BLOCK_FLOATS = 16384;

/**
 * dW, [kh, kw, inC, outC], of a convolution of x (NHWC) whose output gradient is dy. Dilation 1:
 * tfjs's convolution gradients accept no other, and `info` is made with 1.
 */
export function filterGradient(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const [batch, h, w, inC] = x.shape as Shape4;
  const { filterHeight: kh, filterWidth: kw, outHeight, outWidth, outChannels } = info;
  const out = backend.makeOutput([kh, kw, inC, outChannels], 'float32');
  nativeKernel(
    backend,
    builds,
    'filterGradient',
  )(
    [
      address(backend, x),
      address(backend, dy),
      address(backend, out),
      batch,
      h,
      w,
      inC,
      outHeight,
      outWidth,
      outChannels,
      kh,
      kw,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
      BLOCK_FLOATS,
    ],
    batch * outHeight * outWidth * outChannels * kh * kw * inC,
  );
  return out;
}
