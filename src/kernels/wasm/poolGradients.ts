/**
 * The gradients of max pooling and of the nearest-neighbour resize (SegNet's pooling and
 * upsampling) and of average pooling (DenseNet's transitions), and the resize itself, for the wasm
 * backend, in the project's own WebAssembly (native/pool_gradients.c), shared over the kernel
 * threads: wrappers around the backend's own kernels (which run on one thread), which they call
 * where the engine lacks SIMD (and for the average pooling the native kernel does not take).
 */
import * as tf from '@tensorflow/tfjs';
import { sourceIndex } from '../resizeNearestNeighborGrad.ts';
import { nativeOrOwn, type KernelArgs, type Shape4 } from './compose.ts';
import { address, nativeKernel, withInts } from './native/module.ts';
import * as builds from './native/poolGradients.wasm.ts';

/** The pooling kernels' first arguments: the input's shape, the output's size and the window's. */
const poolGeometry = (x: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): number[] => [
  ...x.shape,
  info.outHeight,
  info.outWidth,
  info.filterHeight,
  info.filterWidth,
];

export const maxPoolGrad = nativeOrOwn(({ inputs, backend, attrs }) => {
  const dy = inputs.dy as tf.TensorInfo;
  const x = inputs.input as tf.TensorInfo;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as Shape4,
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const [batch, , , depth] = x.shape as Shape4;
  const dx = backend.makeOutput(x.shape, 'float32');
  nativeKernel(
    backend,
    builds,
    'maxPoolGradient',
  )(
    [
      address(backend, x),
      address(backend, dy),
      address(backend, dx),
      ...poolGeometry(x, info),
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
    ],
    batch * info.outHeight * info.outWidth * depth * info.filterHeight * info.filterWidth,
  );
  return dx;
});

/**
 * Runs `name`, the nearest resize or its gradient, between `from` and `to` for images of `shape`
 * and output rows and columns `outHeight` by `outWidth`: each output row's input row and each
 * output column's input column, as the forward kernel picks them, go in as ints.
 */
function resizeBetween(
  backend: KernelArgs['backend'],
  name: 'resizeNearest' | 'resizeNearestGradient',
  from: tf.TensorInfo,
  to: tf.TensorInfo,
  [batch, h, w, depth]: Shape4,
  [outHeight, outWidth]: [number, number],
  attrs: tf.NamedAttrMap,
): void {
  const alignCorners = Boolean(attrs.alignCorners);
  const halfPixelCenters = Boolean(attrs.halfPixelCenters);
  const source = (size: number, outSize: number) =>
    Array.from({ length: outSize }, (_, i) =>
      sourceIndex(i, size, outSize, alignCorners, halfPixelCenters),
    );
  withInts(backend, [...source(h, outHeight), ...source(w, outWidth)], (rows) =>
    nativeKernel(
      backend,
      builds,
      name,
    )(
      [
        address(backend, from),
        rows,
        rows + outHeight * 4,
        address(backend, to),
        batch,
        h,
        w,
        depth,
        outHeight,
        outWidth,
      ],
      // Memory-bound, as an elementwise product.
      4 * batch * outHeight * outWidth * depth,
    ),
  );
}

export const resizeNearestNeighborGrad = nativeOrOwn(({ inputs, backend, attrs }) => {
  const images = inputs.images as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const [, outHeight, outWidth] = dy.shape as Shape4;
  const dx = backend.makeOutput(images.shape, 'float32');
  resizeBetween(
    backend,
    'resizeNearestGradient',
    dy,
    dx,
    images.shape as Shape4,
    [outHeight, outWidth],
    attrs,
  );
  return dx;
});

/**
 * The average-pooling gradient where the windows tile the input (filter = stride, no padding:
 * DenseNet's transitions), on the kernel threads; every other case is the backend's own.
 */
export const avgPoolGrad = nativeOrOwn(({ inputs, backend, attrs }) => {
  const dy = inputs.dy as tf.TensorInfo;
  const x = inputs.input as tf.TensorInfo;
  if (x.dtype !== 'float32' || x.shape.length !== 4) return undefined;
  const info = tf.backend_util.computePool2DInfo(
    x.shape as Shape4,
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
  );
  const { top, bottom, left, right } = info.padInfo;
  if (
    info.filterHeight !== info.strideHeight ||
    info.filterWidth !== info.strideWidth ||
    top + bottom + left + right !== 0
  )
    return undefined;
  const dx = backend.makeOutput(x.shape, 'float32');
  nativeKernel(
    backend,
    builds,
    'avgPoolGradient',
  )(
    [address(backend, dy), address(backend, dx), ...poolGeometry(x, info)],
    // Memory-bound, as an elementwise product.
    4 * tf.util.sizeFromShape(x.shape),
  );
  return dx;
});

/** The nearest-neighbour resize (SegNet's upsampling) of float32 images, on the kernel threads. */
export const resizeNearestNeighbor = nativeOrOwn(({ inputs, backend, attrs }) => {
  const images = inputs.images as tf.TensorInfo;
  if (images.dtype !== 'float32' || images.shape.length !== 4) return undefined;
  const [outHeight, outWidth] = attrs.size as [number, number];
  const [batch, , , depth] = images.shape as Shape4;
  const out = backend.makeOutput([batch, outHeight, outWidth, depth], 'float32');
  resizeBetween(
    backend,
    'resizeNearest',
    images,
    out,
    images.shape as Shape4,
    [outHeight, outWidth],
    attrs,
  );
  return out;
});
