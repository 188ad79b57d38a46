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
  const [, , inC, outC] = c.filterShape;
  const dw = new Float64Array(c.filterShape.reduce((a, b) => a * b, 1));
  eachTap(c, (outAt, inAt, tap) => {
    for (let ci = 0; ci < inC; ci++) {
      const value = x[inAt + ci] as number;
      const dwAt = (tap * inC + ci) * outC;
      for (let o = 0; o < outC; o++)
        dw[dwAt + o] = (dw[dwAt + o] as number) + value * (dy[outAt + o] as number);
    }
  });
  return dw;
}

/**
 * Visits every (output position, tap) pair of the convolution that falls inside the input: the
 * output's offset in an NHWC tensor of the output's shape, and the input's, each pointing at
 * channel 0.
 */
function eachTap(c: ConvCase, visit: (outAt: number, inAt: number, tapAt: number) => void): void {
  const info = convInfo(c);
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const outAt = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let ky = 0; ky < filterHeight; ky++) {
          const iy = oy * strideHeight + ky - padInfo.top;
          if (iy < 0 || iy >= inHeight) continue;
          for (let kx = 0; kx < filterWidth; kx++) {
            const ix = ox * strideWidth + kx - padInfo.left;
            if (ix < 0 || ix >= inWidth) continue;
            visit(outAt, ((b * inHeight + iy) * inWidth + ix) * inChannels, ky * filterWidth + kx);
          }
        }
      }
    }
  }
}

/** y[b, oy, ox, o] = Σ over taps and input channels of x at the tap · w, in float64. */
export function forwardReference(
  c: ConvCase,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
): Float64Array {
  const { batchSize, outHeight, outWidth } = convInfo(c);
  const [, , inC, outC] = c.filterShape;
  const y = new Float64Array(batchSize * outHeight * outWidth * outC);
  eachTap(c, (outAt, inAt, tap) => {
    for (let ci = 0; ci < inC; ci++) {
      const value = x[inAt + ci] as number;
      const wAt = (tap * inC + ci) * outC;
      for (let o = 0; o < outC; o++)
        y[outAt + o] = (y[outAt + o] as number) + value * (w[wAt + o] as number);
    }
  });
  return y;
}

/** dx[b, iy, ix, c] = Σ over the outputs whose taps read it of dy · w, in float64. */
export function inputGradientReference(
  c: ConvCase,
  dy: ArrayLike<number>,
  w: ArrayLike<number>,
): Float64Array {
  const [, , inC, outC] = c.filterShape;
  const dx = new Float64Array(c.xShape.reduce((a, b) => a * b, 1));
  eachTap(c, (outAt, inAt, tap) => {
    for (let ci = 0; ci < inC; ci++) {
      const wAt = (tap * inC + ci) * outC;
      let sum = 0;
      for (let o = 0; o < outC; o++) sum += (dy[outAt + o] as number) * (w[wAt + o] as number);
      dx[inAt + ci] = (dx[inAt + ci] as number) + sum;
    }
  });
  return dx;
}

/** Floating-point operations of a convolution, or of either gradient: two per multiply-add. */
export function convFlops(c: ConvCase): number {
  const { batchSize, outHeight, outWidth } = convInfo(c);
  return 2 * c.filterShape.reduce((a, b) => a * b, 1) * batchSize * outHeight * outWidth;
}
