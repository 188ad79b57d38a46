/*
 * The convolution filter gradient for tfjs-backend-wasm, as a cache-blocked outer-product GEMM in
 * WebAssembly SIMD. Built by scripts/build-wasm-kernels.ts (`npm run build:kernels`) into
 * filterGradient.wasm.ts and loaded by module.ts onto the backend's own memory, so it reads x and
 * dy and writes dw where tfjs keeps them, with no copies; called by ../filterGradient.ts.
 *
 *   dw[i][j][c][o] = sum over (b, y, x) of
 *                    x[b][y*sh + i - top][x*sw + j - left][c] * dy[b][y][x][o]
 *
 * (channels last; taps that fall in the padding contribute nothing). For each kernel tap (i, j) that
 * is a product of the shifted x, as [pixels, c], transposed, by dy, as [pixels, o]: a long reduction
 * over pixels into a small [c, o] result. XNNPACK's GEMMs are built for the opposite shape (short
 * reductions), which is why this kernel exists.
 *
 * Blocking: the output pixels are visited in chunks of a few rows that fit in the L2 cache; within a
 * chunk, every tap and every register tile of dw (4 input channels x 8 output channels, 8 SIMD
 * accumulators) walks the chunk's pixels once, with the accumulators in registers throughout.
 * Threads share it by rows of dw (see filter_gradient below).
 *
 * No static data: the module imports the backend's memory and must not write anywhere but dw (the
 * loader gives it a stack of its own, which this code does not use).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* acc + a * b: one fused instruction where the build has relaxed SIMD (x86 FMA, arm64 FMLA). */
#ifdef __wasm_relaxed_simd__
#define MADD(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
#else
#define MADD(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif
#define INLINE static inline __attribute__((always_inline))

/* A rectangle of output pixels and where it starts in x and dy, for one tap. */
typedef struct {
  const float *a;  /* x at the rectangle's first pixel, channel 0 */
  const float *b;  /* dy at the rectangle's first pixel, channel 0 */
  int rows, cols;  /* its size in output pixels */
  int a_row, a_col; /* x's strides (floats) between output rows and between output columns */
  int b_row, b_col; /* dy's */
} Rect;

/*
 * dw[c0 .. c0+MR][o0 .. o0+4*NV] += sum over the rectangle of x[.., c] * dy[.., o]; dw's rows are
 * `co` floats apart. MR and NV are constants at every call, so the loops unroll into registers.
 */
INLINE void tile(float *dw, int co, const Rect *r, int c0, int o0, const int MR, const int NV) {
  v128_t acc[4][2];
  for (int m = 0; m < MR; m++)
    for (int v = 0; v < NV; v++) acc[m][v] = wasm_v128_load(dw + (c0 + m) * co + o0 + 4 * v);
  const float *a_row = r->a + c0;
  const float *b_row = r->b + o0;
  for (int y = 0; y < r->rows; y++) {
    const float *a = a_row;
    const float *b = b_row;
    for (int x = 0; x < r->cols; x++) {
      v128_t dy[2];
      for (int v = 0; v < NV; v++) dy[v] = wasm_v128_load(b + 4 * v);
      for (int m = 0; m < MR; m++) {
        const v128_t s = wasm_v128_load32_splat(a + m);
        for (int v = 0; v < NV; v++) acc[m][v] = MADD(acc[m][v], s, dy[v]);
      }
      a += r->a_col;
      b += r->b_col;
    }
    a_row += r->a_row;
    b_row += r->b_row;
  }
  for (int m = 0; m < MR; m++)
    for (int v = 0; v < NV; v++) wasm_v128_store(dw + (c0 + m) * co + o0 + 4 * v, acc[m][v]);
}

/* The same for output channels past the last multiple of 4, one at a time. */
INLINE void tile_scalar(float *dw, int co, const Rect *r, int c0, int o, const int MR) {
  float acc[4];
  for (int m = 0; m < MR; m++) acc[m] = dw[(c0 + m) * co + o];
  const float *a_row = r->a + c0;
  const float *b_row = r->b + o;
  for (int y = 0; y < r->rows; y++) {
    const float *a = a_row;
    const float *b = b_row;
    for (int x = 0; x < r->cols; x++) {
      for (int m = 0; m < MR; m++) acc[m] += a[m] * *b;
      a += r->a_col;
      b += r->b_col;
    }
    a_row += r->a_row;
    b_row += r->b_row;
  }
  for (int m = 0; m < MR; m++) dw[(c0 + m) * co + o] = acc[m];
}

/* Every tile of one tap's [ci, co] block of dw, over one rectangle. */
INLINE void tap_tiles(float *dw, int co, const Rect *r, const int MR, int c0) {
  int o = 0;
  for (; o + 8 <= co; o += 8) tile(dw, co, r, c0, o, MR, 2);
  if (o + 4 <= co) {
    tile(dw, co, r, c0, o, MR, 1);
    o += 4;
  }
  for (; o < co; o++) tile_scalar(dw, co, r, c0, o, MR);
}

/* Input channels [c0, c1) of one tap's block of dw, over one rectangle: 4 at a time, then the rest. */
static void tap(float *dw, int co, const Rect *r, int c0, int c1) {
  int c = c0;
  for (; c + 4 <= c1; c += 4) tap_tiles(dw, co, r, 4, c);
  switch (c1 - c) {
    case 3: tap_tiles(dw, co, r, 3, c); break;
    case 2: tap_tiles(dw, co, r, 2, c); break;
    case 1: tap_tiles(dw, co, r, 1, c); break;
  }
}

/* The first output index in [0, n) whose input index (out * stride + offset) is >= 0. */
static int first_inside(int offset, int stride, int n) {
  if (offset >= 0) return 0;
  int first = (-offset + stride - 1) / stride;
  return first < n ? first : n;
}

/* One past the last output index in [0, n) whose input index (out * stride + offset) is < size. */
static int end_inside(int offset, int stride, int size, int n) {
  if (offset >= size) return 0;
  int end = (size - 1 - offset) / stride + 1;
  return end < n ? end : n;
}

/* Input channels [*c0, *c1) of tap t among the units [begin, end) of (tap, group of 4 channels). */
INLINE void owned(int t, int groups, int ci, int begin, int end, int *c0, int *c1) {
  const int first = begin > t * groups ? begin - t * groups : 0;
  const int last = end < (t + 1) * groups ? end - t * groups : groups;
  *c0 = first * 4;
  *c1 = last * 4 < ci ? last * 4 : ci;
}

/*
 * dw (kh * kw * ci * co floats) = the filter gradient. A block of output pixels holds about `budget`
 * floats of x and dy together: whole rows where a row is shorter, otherwise part of a row.
 *
 * Part `part` of `parts` (threads sharing the work) computes its share of dw's rows: the units of
 * (tap, group of 4 input channels), kh * kw * ceil(ci / 4) of them, are dealt out in contiguous
 * ranges, so parts write disjoint rows of dw and each sums the whole batch for its own.
 */
EXPORT("filterGradient")
void filter_gradient(const float *x, const float *dy, float *dw, int batch, int h, int w, int ci,
                     int oh, int ow, int co, int kh, int kw, int sh, int sw, int top, int left,
                     int budget, int part, int parts) {
  const int taps = kh * kw, groups = (ci + 3) / 4;
  const int unit_begin = (int)((long long)taps * groups * part / parts);
  const int unit_end = (int)((long long)taps * groups * (part + 1) / parts);
  for (int t = unit_begin / groups; t < taps && t * groups < unit_end; t++) {
    int c0, c1;
    owned(t, groups, ci, unit_begin, unit_end, &c0, &c1);
    for (int k = c0 * co; k < c1 * co; k++) dw[t * ci * co + k] = 0.0f;
  }
  int chunk = budget / (ci + co);
  if (chunk < 8) chunk = 8;
  const int rows_per_block = chunk >= ow ? chunk / ow : 1;
  const int cols_per_block = chunk >= ow ? ow : chunk;
  for (int bi = 0; bi < batch; bi++) {
    for (int y0 = 0; y0 < oh; y0 += rows_per_block) {
      const int y1 = y0 + rows_per_block < oh ? y0 + rows_per_block : oh;
      for (int x0 = 0; x0 < ow; x0 += cols_per_block) {
        const int x1 = x0 + cols_per_block < ow ? x0 + cols_per_block : ow;
        for (int t = unit_begin / groups; t < taps && t * groups < unit_end; t++) {
          int c0, c1;
          owned(t, groups, ci, unit_begin, unit_end, &c0, &c1);
          if (c0 >= c1) continue;
          const int i = t / kw, j = t % kw;
          int ya = first_inside(i - top, sh, oh), yb = end_inside(i - top, sh, h, oh);
          if (ya < y0) ya = y0;
          if (yb > y1) yb = y1;
          if (ya >= yb) continue;
          int xa = first_inside(j - left, sw, ow), xb = end_inside(j - left, sw, w, ow);
          if (xa < x0) xa = x0;
          if (xb > x1) xb = x1;
          if (xa >= xb) continue;
          const Rect r = {
              .a = x + ((bi * h + ya * sh + i - top) * w + xa * sw + j - left) * ci,
              .b = dy + ((bi * oh + ya) * ow + xa) * co,
              .rows = yb - ya,
              .cols = xb - xa,
              .a_row = sh * w * ci,
              .a_col = sw * ci,
              .b_row = ow * co,
              .b_col = co,
          };
          tap(dw + t * ci * co, co, &r, c0, c1);
        }
      }
    }
  }
}
