/**
 * A convolution in the project's own WebAssembly, for the wasm backend's forward convolutions (any
 * stride) and the input gradient of a stride-1 one (conv2dBackprop.ts): a 3 x 3 one at stride 1
 * with 8 input channels or more by Winograd's F(2x2, 3x3) or F(4x4, 3x3) (native/winograd.c), the
 * rest directly (native/conv2d.c).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as builds from './native/conv2d.wasm.ts';
import * as winogradBuilds from './native/winograd.wasm.ts';
import type { Shape4 } from './compose.ts';
import {
  address,
  kernelThreads,
  nativeFunction,
  nativeKernel,
  nativeSimd,
} from './native/module.ts';

/**
 * Whether convolutions go to the project's kernel: wherever the engine has SIMD. It beats
 * XNNPACK's on one thread, and shares its rows over the kernel threads where there are several
 * (native/threads.ts), where it beats XNNPACK's parallel convolution too (bench: `--only=step`).
 */
export const nativeConvolution = (): boolean => nativeSimd() !== null;

export interface NativeConvolution {
  /** [batch, h, w, inC] */
  input: tf.TensorInfo;
  /** [kh, kw, inC, outC]; with `flip`, a forward kernel [kh, kw, outC, inC] to flip and swap. */
  kernel: tf.TensorInfo;
  flip: boolean;
  bias?: tf.TensorInfo;
  relu: boolean;
  /** Output height and width; padding below and to the right is whatever makes them. */
  outHeight: number;
  outWidth: number;
  top: number;
  left: number;
  /** Strides down and across (1 if absent). */
  strideHeight?: number;
  strideWidth?: number;
}

/** The convolution's output, [batch, outHeight, outWidth, outC]. */
export function nativeConv2d(backend: BackendWasm, c: NativeConvolution): tf.TensorInfo {
  const [batch, h, w, inC] = c.input.shape as Shape4;
  const [kh, kw, a, b] = c.kernel.shape as Shape4;
  const outC = c.flip ? a : b;
  if ((c.flip ? b : a) !== inC) {
    throw new Error(`Convolution kernel ${String(c.kernel.shape)} does not fit ${inC} channels`);
  }
  const out = backend.makeOutput([batch, c.outHeight, c.outWidth, outC], 'float32');
  const stride = Math.max(c.strideHeight ?? 1, c.strideWidth ?? 1);
  if (winogradApplies(kh, kw, stride, inC)) {
    winograd(backend, c, out);
    return out;
  }
  const packed = backend.makeOutput([Math.ceil(outC / 8) * 8 * kh * kw * inC], 'float32');
  nativeFunction(backend, builds, 'conv2dPack')(
    address(backend, c.kernel),
    address(backend, packed),
    inC,
    outC,
    kh,
    kw,
    c.flip ? 1 : 0,
  );
  nativeKernel(
    backend,
    builds,
    'conv2d',
  )(
    [
      address(backend, c.input),
      address(backend, packed),
      c.bias ? address(backend, c.bias) : 0,
      address(backend, out),
      batch,
      h,
      w,
      inC,
      c.outHeight,
      c.outWidth,
      outC,
      kh,
      kw,
      c.top,
      c.left,
      c.strideHeight ?? 1,
      c.strideWidth ?? 1,
      c.relu ? 1 : 0,
    ],
    batch * c.outHeight * c.outWidth * outC * kh * kw * inC,
  );
  backend.disposeData(packed.dataId);
  return out;
}

/**
 * Whether a convolution (or its input or filter gradient) goes to the Winograd kernels
 * (native/winograd.c): 3 x 3 at stride 1, with 8 input channels or more (as the kernel sees them:
 * dy's for the input gradient). Below 8 the transforms cost more than the products they save: the
 * SegNet's first convolution (3 -> 16 channels, 200 px) took 8.8 ms against the direct kernel's
 * 4.0, its filter gradient 7.6 against 3.4.
 */
export const winogradApplies = (kh: number, kw: number, stride: number, inC: number): boolean =>
  kh === 3 && kw === 3 && stride === 1 && inC >= 8;

/**
 * 1 where the Winograd kernels take F(4x4, 3x3) (36 positions for 16 pixels) rather than
 * F(2x2, 3x3) (16 for 4): where the output (dy, for the filter gradient) is 16 px or more each
 * way. Below, its 4 x 4 tiles cover the map too loosely (at 14 px they tie, at 7 px F(2x2, 3x3) is
 * 1.2-1.3x faster).
 */
export const winogradLargeTiles = (outHeight: number, outWidth: number): 0 | 1 =>
  Math.min(outHeight, outWidth) >= 16 ? 1 : 0;

/**
 * `out` = the 3 x 3, stride-1 convolution by Winograd's minimal filtering: F(4x4, 3x3) or
 * F(2x2, 3x3) as winogradLargeTiles says. Measured in Node on one
 * thread, against the direct kernel: DenseNet-121's 3 x 3 convolutions (128 -> 32 channels, batch
 * 4) and their input gradients 2.4-3.1x at 56 and 28 px (F(2x2, 3x3) 2.0-2.2x), 1.8-2.1x at 14,
 * 1.8x at 7; the seed SegNet's 1.8-2.6x (F(2x2, 3x3) 1.4-1.9x).
 */
function winograd(backend: BackendWasm, c: NativeConvolution, out: tf.TensorInfo): void {
  const [batch, h, w, inC] = c.input.shape as Shape4;
  const outC = (out.shape as Shape4)[3];
  const large = winogradLargeTiles(c.outHeight, c.outWidth);
  const positions = large ? 36 : 16;
  const packed = backend.makeOutput([positions * Math.ceil(outC / 8) * 8 * inC], 'float32');
  // Each thread's own V and M (native/winograd.c).
  const perThread = Number(nativeFunction(backend, winogradBuilds, 'winogradScratch')(inC, large));
  const scratch = backend.makeOutput([kernelThreads(backend) * perThread], 'float32');
  nativeFunction(backend, winogradBuilds, 'winogradPack')(
    address(backend, c.kernel),
    address(backend, packed),
    inC,
    outC,
    c.flip ? 1 : 0,
    large,
  );
  nativeKernel(
    backend,
    winogradBuilds,
    'winograd3x3',
  )(
    [
      address(backend, c.input),
      address(backend, packed),
      c.bias ? address(backend, c.bias) : 0,
      address(backend, out),
      address(backend, scratch),
      batch,
      h,
      w,
      inC,
      c.outHeight,
      c.outWidth,
      outC,
      c.top,
      c.left,
      c.relu ? 1 : 0,
      large,
    ],
    // Parts as the direct convolution's work would have them: each still several times the least.
    batch * c.outHeight * c.outWidth * outC * 9 * inC,
  );
  backend.disposeData(packed.dataId);
  backend.disposeData(scratch.dataId);
}

interface ForwardArgs {
  inputs: {
    x: tf.TensorInfo;
    filter: tf.TensorInfo;
    bias?: tf.TensorInfo;
    preluActivationWeights?: tf.TensorInfo;
  };
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}

/**
 * Conv2D or FusedConv2D on the project's kernel where it applies (float32, channels last,
 * dilation 1, no activation or ReLU, a bias of one value per channel) and `nativeConvolution`
 * allows, else the backend's own (XNNPACK). Measured in Node for the seed SegNet's forward pass:
 * 359 ms, against 580 with XNNPACK; DenseNet-121's stride-2 first convolution (4 x 230 x 230 x 3
 * by 7 x 7 x 3 x 64) was XNNPACK's on one thread whatever the count.
 */
export function forwardConv2d(own: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as ForwardArgs;
    const { x, filter, bias, preluActivationWeights } = inputs;
    const activation = (attrs.activation as string | undefined) ?? 'linear';
    const format = (attrs.dataFormat as string | undefined) ?? 'NHWC';
    const outC = (filter.shape as Shape4)[3];
    const applies =
      nativeConvolution() &&
      x.dtype === 'float32' &&
      format === 'NHWC' &&
      !preluActivationWeights &&
      (activation === 'linear' || activation === 'relu') &&
      (!bias || tf.util.sizeFromShape(bias.shape) === outC);
    if (!applies) return own(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      attrs.strides as number | [number, number],
      attrs.dilations as number | [number, number],
      attrs.pad as 'valid' | 'same' | number,
      attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    );
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return own(args);
    return nativeConv2d(backend, {
      input: x,
      kernel: filter,
      flip: false,
      bias,
      relu: activation === 'relu',
      outHeight: info.outHeight,
      outWidth: info.outWidth,
      top: info.padInfo.top,
      left: info.padInfo.left,
      strideHeight: info.strideHeight,
      strideWidth: info.strideWidth,
    });
  };
}
