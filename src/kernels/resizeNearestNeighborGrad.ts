/**
 * The gradient of a nearest-neighbour resize for the cpu backend. tfjs-backend-cpu 4.22 reads the
 * output gradient of image b at the input image's batch offset, so every image after the first gets
 * the wrong gradient (and a batch of several trains the SegNet decoder, which upsamples this way, on
 * garbage). This one sends each output pixel's gradient to the pixel the forward pass copied it
 * from, by the forward kernel's own rule, half-pixel centres included.
 */
import * as tf from '@tensorflow/tfjs';

/** The input index that output index `i` copies, as tfjs's ResizeNearestNeighbor picks it. */
export function sourceIndex(
  i: number,
  inSize: number,
  outSize: number,
  alignCorners: boolean,
  halfPixelCenters: boolean,
): number {
  const aligned = alignCorners && outSize > 1;
  const ratio = (aligned ? inSize - 1 : inSize) / (aligned ? outSize - 1 : outSize);
  const fraction = halfPixelCenters ? ratio * (i + 0.5) : ratio * i;
  const nearest = Math.min(inSize - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
  return halfPixelCenters ? Math.max(0, nearest) : nearest;
}

export const resizeNearestNeighborGrad: tf.KernelFunc = ({ inputs, backend, attrs = {} }) => {
  const cpu = backend as tf.KernelBackend;
  const images = inputs.images as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const alignCorners = Boolean(attrs.alignCorners);
  const halfPixelCenters = Boolean(attrs.halfPixelCenters);
  const [batch, inHeight, inWidth, depth] = images.shape as [number, number, number, number];
  const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
  const gradient = cpu.readSync(dy.dataId) as Float32Array;
  const rows = Array.from({ length: outHeight }, (_, r) =>
    sourceIndex(r, inHeight, outHeight, alignCorners, halfPixelCenters),
  );
  const cols = Array.from({ length: outWidth }, (_, c) =>
    sourceIndex(c, inWidth, outWidth, alignCorners, halfPixelCenters),
  );
  const output = new Float32Array(batch * inHeight * inWidth * depth);
  let from = 0;
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < outHeight; r++) {
      const rowStart = (b * inHeight + (rows[r] as number)) * inWidth;
      for (let c = 0; c < outWidth; c++) {
        const to = (rowStart + (cols[c] as number)) * depth;
        for (let d = 0; d < depth; d++) {
          output[to + d] = (output[to + d] as number) + (gradient[from++] as number);
        }
      }
    }
  }
  return {
    dataId: cpu.write(output, images.shape, 'float32'),
    shape: images.shape,
    dtype: 'float32',
  };
};
