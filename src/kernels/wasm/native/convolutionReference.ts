/**
 * The native convolutions' definition as plain loops in float64, for their tests (conv2d.test.ts,
 * winograd.test.ts, filterGradient.test.ts): the kernel as given or flipped (the input gradient's
 * use), any padding and stride, bias and ReLU; and the filter gradient.
 */

export interface Case {
  batch: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  k: number;
  top: number;
  outH: number;
  outW: number;
  flip: boolean;
  bias: boolean;
  relu: boolean;
  /** Both ways; 1 if absent. */
  stride?: number;
}

export function reference(c: Case, input: Float32Array, kernel: Float32Array, bias: Float32Array) {
  const out = new Float64Array(c.batch * c.outH * c.outW * c.outC);
  // k[i][j][ci][co], whichever way the kernel is given
  const k = (i: number, j: number, ci: number, co: number) =>
    (c.flip
      ? kernel[(((c.k - 1 - i) * c.k + (c.k - 1 - j)) * c.outC + co) * c.inC + ci]
      : kernel[((i * c.k + j) * c.inC + ci) * c.outC + co]) as number;
  for (let b = 0; b < c.batch; b++)
    for (let y = 0; y < c.outH; y++)
      for (let x = 0; x < c.outW; x++)
        for (let co = 0; co < c.outC; co++) {
          let sum = c.bias ? (bias[co] as number) : 0;
          for (let i = 0; i < c.k; i++)
            for (let j = 0; j < c.k; j++) {
              const s = c.stride ?? 1;
              const [iy, ix] = [y * s + i - c.top, x * s + j - c.top];
              if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
              for (let ci = 0; ci < c.inC; ci++)
                sum +=
                  (input[((b * c.h + iy) * c.w + ix) * c.inC + ci] as number) * k(i, j, ci, co);
            }
          out[((b * c.outH + y) * c.outW + x) * c.outC + co] = c.relu ? Math.max(0, sum) : sum;
        }
  return out;
}

/** dW[i][j][ci][co] of the convolution `c` (not flipped) whose input is x and output gradient dy. */
export function filterGradientReference(c: Case, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(c.k * c.k * c.inC * c.outC);
  const s = c.stride ?? 1;
  for (let b = 0; b < c.batch; b++)
    for (let y = 0; y < c.outH; y++)
      for (let xo = 0; xo < c.outW; xo++)
        for (let i = 0; i < c.k; i++)
          for (let j = 0; j < c.k; j++) {
            const [iy, ix] = [y * s + i - c.top, xo * s + j - c.top];
            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
            for (let ci = 0; ci < c.inC; ci++) {
              const value = x[((b * c.h + iy) * c.w + ix) * c.inC + ci] as number;
              for (let co = 0; co < c.outC; co++) {
                const at = ((i * c.k + j) * c.inC + ci) * c.outC + co;
                dw[at] =
                  (dw[at] as number) +
                  value * (dy[((b * c.outH + y) * c.outW + xo) * c.outC + co] as number);
              }
            }
          }
  return dw;
}
