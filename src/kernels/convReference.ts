/**
 * Float64 references for the convolution kernels' tests and checks: written out as the definition
 * reads, loop by loop, so that a kernel's tiling, vector loads or split sums are measured against
 * something that has none of them. NHWC input, [kh, kw, inC, outC] filters, as tfjs.
 */
import { backend_util } from '@tensorflow/tfjs';
import type { Shape4 } from './compose.ts';

export interface ConvCase {
  /** [batch, height, width, inChannels]. */
  xShape: Shape4;
  /** [kh, kw, inChannels, outChannels]. */
  filterShape: Shape4;
  stride: number;
  pad: 'same' | 'valid';
}

/** The convolution's geometry as tfjs computes it (output size, padding). */
export function convInfo({ xShape, filterShape, stride, pad }: ConvCase) {
  return backend_util.computeConv2DInfo(xShape, filterShape, stride, 1, pad);
}

/** dW[ky, kx, c, o] = Σ over images and output positions of x at the tap · dy, in float64. */
export function filterGradientReference(
  c: ConvCase,
  x: ArrayLike<number>,
  dy: ArrayLike<number>,
): Float64Array {
  const info = convInfo(c);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const dw = new Float64Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyAt = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let ky = 0; ky < filterHeight; ky++) {
          const iy = oy * strideHeight + ky - padInfo.top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kx = 0; kx < filterWidth; kx++) {
            const ix = ox * strideWidth + kx - padInfo.left;
            if (ix < 0 || ix >= inWidth) continue;
            const xAt = ((b * inHeight + iy) * inWidth + ix) * inChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const value = x[xAt + ci] as number;
              const dwAt = ((ky * filterWidth + kx) * inChannels + ci) * outChannels;
              for (let o = 0; o < outChannels; o++)
                dw[dwAt + o] = (dw[dwAt + o] as number) + value * (dy[dyAt + o] as number);
            }
          }
        }
      }
    }
  }
  return dw;
}

/** Floating-point operations of the filter gradient: two per multiply-add. */
export function filterGradientFlops(c: ConvCase): number {
  const { batchSize, outHeight, outWidth } = convInfo(c);
  return 2 * c.filterShape.reduce((a, b) => a * b, 1) * batchSize * outHeight * outWidth;
}
