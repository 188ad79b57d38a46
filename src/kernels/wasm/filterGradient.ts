/**
 * The filter gradient in the project's own WebAssembly: a 3 x 3, stride-1 convolution's (8 input
 * channels or more) by Winograd's F(2x2, 3x3) or F(4x4, 3x3) (native/winograd.c), the rest as a
 * matrix product per tap (native/filter_gradient.c).
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { Shape4 } from './compose.ts';
import { winogradApplies, winogradLargeTiles } from './conv2d.ts';
import * as builds from './native/filterGradient.wasm.ts';
import * as winogradBuilds from './native/winograd.wasm.ts';
import { address, kernelThreads, nativeFunction, nativeKernel } from './native/module.ts';

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
  const work = batch * outHeight * outWidth * outChannels * kh * kw * inC;
  const stride = Math.max(info.strideHeight, info.strideWidth);
  if (winogradApplies(kh, kw, stride, inC)) {
    // F(4x4, 3x3) transforms 36 positions of dy per tile: with fewer than 32 output channels that
    // cost more than it saved (the SegNet's 16 -> 16 at 200 px: 11.8 ms against 11.5 for
    // F(2x2, 3x3); 32 -> 32 at 100 px 7.8 against 9.0; DenseNet-121's 128 -> 32 at 56 px 8.7
    // against 10.6).
    const large = outChannels >= 32 ? winogradLargeTiles(outHeight, outWidth) : 0;
    // Each thread's own dU, V and W (native/winograd.c).
    const perThread = Number(
      nativeFunction(backend, winogradBuilds, 'winogradGradientScratch')(inC, outChannels, large),
    );
    const scratch = backend.makeOutput([kernelThreads(backend) * perThread], 'float32');
    const parts = nativeKernel(
      backend,
      winogradBuilds,
      'winogradGradientParts',
    )(
      [
        address(backend, x),
        address(backend, dy),
        address(backend, scratch),
        batch,
        h,
        w,
        inC,
        outHeight,
        outWidth,
        outChannels,
        info.padInfo.top,
        info.padInfo.left,
        large,
      ],
      work,
    );
    nativeFunction(backend, winogradBuilds, 'winogradFilterGradient')(
      address(backend, scratch),
      parts,
      address(backend, out),
      inC,
      outChannels,
      large,
    );
    backend.disposeData(scratch.dataId);
    return out;
  }
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
    work,
  );
  return out;
}
