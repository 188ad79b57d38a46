/*
 * A convolution for tfjs-backend-wasm, on the backend's own memory (see filter_gradient.c for how
 * these modules are built and loaded). It serves the forward Conv2D and FusedConv2D (bias, ReLU;
 * any stride, as DenseNet's 7 x 7 stride-2 first convolution, which XNNPACK ran on one thread) and
 * the input gradient of a stride-1 convolution: dx is dy convolved with the kernel
 * flipped in space and its channel axes swapped, which the packing step below does as it copies
 * the kernel. Measured in Node on the seed SegNet's step: forward 580 -> 359 ms against XNNPACK,
 * input gradient 594 -> 352 ms against XNNPACK's convolution of the same.
 *
 *   out[b][y][x][o] = sum over (i, j, c) of
 *     in[b][y * sh + i - top][x * sw + j - left][c] * k[i][j][c][o]
 *
 * (channels last; taps that fall in the padding contribute nothing). The kernel is first packed into
 * blocks of 8 output channels, [block][i][j][c][8], zero-filled past the last channel, so that the
 * inner loop reads it contiguously. Each register tile is 4 neighbouring output pixels of a row by
 * one block (8 SIMD accumulators), summed over every tap and input channel before it is stored.
 * A row's pixels whose taps all fall inside the input take the 4-pixel tiles; the few at its ends,
 * whose taps cross the padding, go one at a time with a bounds check per tap. A 1 x 1 convolution
 * at stride 1 without padding runs as one long row of the batch's pixels (see pointwise).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

#ifdef __wasm_relaxed_simd__
#define MADD(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
#else
#define MADD(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif

typedef struct {
  const float *in;
  int h, w, ci;
  int kh, kw, top, left, sh, sw;
} Geometry;

/* Stores lanes [0, count) of v to out. */
INLINE void store_lanes(float *out, v128_t v, int count) {
  if (count >= 4) {
    wasm_v128_store(out, v);
    return;
  }
  if (count > 0) out[0] = wasm_f32x4_extract_lane(v, 0);
  if (count > 1) out[1] = wasm_f32x4_extract_lane(v, 1);
  if (count > 2) out[2] = wasm_f32x4_extract_lane(v, 2);
}

/*
 * MR output pixels of row y of image b, from column x, by one block of packed kernel: every tap that
 * falls inside the input (all of them, horizontally, when `inside`), then the store of `lanes`
 * output channels.
 */
INLINE void tile(const Geometry *g, const float *packed, int b, int y, int x, float *out, int co,
                 int lanes, v128_t bias0, v128_t bias1, int relu, const int MR, const int inside) {
  v128_t acc[4][2];
  for (int m = 0; m < MR; m++) {
    acc[m][0] = bias0;
    acc[m][1] = bias1;
  }
  const int ci = g->ci, step = g->sw * ci;
  for (int i = 0; i < g->kh; i++) {
    const int iy = y * g->sh + i - g->top;
    if (iy < 0 || iy >= g->h) continue;
    const float *row = g->in + (b * g->h + iy) * g->w * ci;
    for (int j = 0; j < g->kw; j++) {
      const int ix = x * g->sw + j - g->left;
      if (!inside && (ix < 0 || ix >= g->w)) continue;
      const float *a = row + ix * ci;
      const float *k = packed + (i * g->kw + j) * ci * 8;
      for (int c = 0; c < ci; c++, k += 8) {
        const v128_t k0 = wasm_v128_load(k), k1 = wasm_v128_load(k + 4);
        for (int m = 0; m < MR; m++) {
          const v128_t s = wasm_v128_load32_splat(a + m * step + c);
          acc[m][0] = MADD(acc[m][0], s, k0);
          acc[m][1] = MADD(acc[m][1], s, k1);
        }
      }
    }
  }
  for (int m = 0; m < MR; m++) {
    v128_t v0 = acc[m][0], v1 = acc[m][1];
    if (relu) {
      v0 = wasm_f32x4_max(v0, wasm_f32x4_splat(0.0f));
      v1 = wasm_f32x4_max(v1, wasm_f32x4_splat(0.0f));
    }
    float *o = out + m * co;
    store_lanes(o, v0, lanes);
    store_lanes(o + 4, v1, lanes - 4);
  }
}

/* The share [*begin, *end) of `total` items that part `part` of `parts` takes. */
static void share(int total, int part, int parts, int *begin, int *end) {
  *begin = (int)((long long)total * part / parts);
  *end = (int)((long long)total * (part + 1) / parts);
}

/*
 * packed (ceil(co / 8) * 8 * kh * kw * ci floats) = k in the layout the convolution reads: k is
 * [kh, kw, ci, co], or with `flip`, a forward kernel [kh, kw, co, ci] to use flipped in space with
 * its channel axes swapped. Run once, before the parts of `conv2d`.
 */
EXPORT("conv2dPack")
void conv2d_pack(const float *k, float *packed, int ci, int co, int kh, int kw, int flip) {
  const int taps = kh * kw, blocks = (co + 7) / 8;
  for (int blk = 0; blk < blocks; blk++) {
    for (int t = 0; t < taps; t++) {
      const int source_tap = flip ? taps - 1 - t : t;
      for (int c = 0; c < ci; c++) {
        float *to = packed + ((blk * taps + t) * ci + c) * 8;
        for (int l = 0; l < 8; l++) {
          const int o = blk * 8 + l;
          to[l] = o >= co ? 0.0f
                  : flip  ? k[(source_tap * co + o) * ci + c]
                          : k[(source_tap * ci + c) * co + o];
        }
      }
    }
  }
}

/*
 * out = in convolved with the packed kernel, strides sh and sw: in is [batch, h, w, ci]; out is
 * [batch, oh, ow, co]; bias (co floats, or 0 for none) and `relu` are applied to out. Part `part`
 * of `parts` (threads sharing the work) computes its share of the batch * oh output rows, so
 * parts write disjoint rows.
 */
/* The 8 bias lanes of block blk (0 past the last channel, or without a bias). */
static void bias_block(const float *bias, int blk, int lanes, v128_t *bias0, v128_t *bias1) {
  float bias_lanes[8];
  for (int l = 0; l < 8; l++) bias_lanes[l] = bias && l < lanes ? bias[blk * 8 + l] : 0.0f;
  *bias0 = wasm_v128_load(bias_lanes);
  *bias1 = wasm_v128_load(bias_lanes + 4);
}

/* Pixels of a 1 x 1 convolution whose inputs a block of output channels reads while in cache. */
#define POINTWISE_CHUNK 64

/*
 * A 1 x 1 convolution at stride 1 without padding (DenseNet's bottlenecks and transitions): a
 * matrix product of the batch's pixels, one after another, by the kernel. Taken as one long row,
 * its 4-pixel tiles run across the image rows (rows of 7 or 14 pixels left 3 or 2 of each to
 * one-pixel tiles, at a quarter of the speed); in chunks of POINTWISE_CHUNK pixels, each read once
 * from memory for all blocks of output channels. Part `part` of `parts` takes its share of the
 * pixels.
 */
static void pointwise(const float *in, const float *packed, const float *bias, float *out,
                      int pixels, int ci, int co, int relu, int part, int parts) {
  const int blocks = (co + 7) / 8;
  const Geometry g = {in, 1, pixels, ci, 1, 1, 0, 0, 1, 1};
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  for (int c0 = begin; c0 < end; c0 += POINTWISE_CHUNK) {
    const int c1 = end - c0 < POINTWISE_CHUNK ? end : c0 + POINTWISE_CHUNK;
    for (int blk = 0; blk < blocks; blk++) {
      const float *kb = packed + blk * ci * 8;
      const int lanes = co - blk * 8 < 8 ? co - blk * 8 : 8;
      v128_t bias0, bias1;
      bias_block(bias, blk, lanes, &bias0, &bias1);
      float *o = out + blk * 8;
      int x = c0;
      for (; x + 4 <= c1; x += 4)
        tile(&g, kb, 0, 0, x, o + x * co, co, lanes, bias0, bias1, relu, 4, 1);
      for (; x < c1; x++) tile(&g, kb, 0, 0, x, o + x * co, co, lanes, bias0, bias1, relu, 1, 1);
    }
  }
}

EXPORT("conv2d")
void conv2d(const float *in, const float *packed, const float *bias, float *out, int batch, int h,
            int w, int ci, int oh, int ow, int co, int kh, int kw, int top, int left, int sh,
            int sw, int relu, int part, int parts) {
  if (kh == 1 && kw == 1 && sh == 1 && sw == 1 && top == 0 && left == 0 && oh == h && ow == w) {
    pointwise(in, packed, bias, out, batch * h * w, ci, co, relu, part, parts);
    return;
  }
  const int taps = kh * kw, blocks = (co + 7) / 8;
  const Geometry g = {in, h, w, ci, kh, kw, top, left, sh, sw};
  /*
   * Output columns whose taps all fall inside the input, [first, end): x * sw >= left and
   * x * sw - left + kw <= w.
   */
  int first = (left + sw - 1) / sw, end = w - kw + left < 0 ? 0 : (w - kw + left) / sw + 1;
  if (first > ow) first = ow;
  if (end > ow) end = ow;
  if (end < first) end = first;
  int row_begin, row_end;
  share(batch * oh, part, parts, &row_begin, &row_end);
  for (int r = row_begin; r < row_end; r++) {
    const int b = r / oh, y = r % oh;
    for (int blk = 0; blk < blocks; blk++) {
      const float *kb = packed + blk * taps * ci * 8;
      const int lanes = co - blk * 8 < 8 ? co - blk * 8 : 8;
      v128_t bias0, bias1;
      bias_block(bias, blk, lanes, &bias0, &bias1);
      float *row = out + (b * oh + y) * ow * co + blk * 8;
      int x = 0;
      for (; x < first; x++)
        tile(&g, kb, b, y, x, row + x * co, co, lanes, bias0, bias1, relu, 1, 0);
      for (; x + 4 <= end; x += 4)
        tile(&g, kb, b, y, x, row + x * co, co, lanes, bias0, bias1, relu, 4, 1);
      for (; x < end; x++)
        tile(&g, kb, b, y, x, row + x * co, co, lanes, bias0, bias1, relu, 1, 1);
      for (; x < ow; x++)
        tile(&g, kb, b, y, x, row + x * co, co, lanes, bias0, bias1, relu, 1, 0);
    }
  }
}
