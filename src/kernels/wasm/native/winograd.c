/*
 * A 3 x 3, stride-1 convolution for tfjs-backend-wasm by Winograd's minimal filtering F(2x2, 3x3)
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): every 2 x 2 block of
 * output pixels ("tile") is computed from the 4 x 4 input patch under it with 16 multiply-adds per
 * input and output channel instead of the direct convolution's 36; or by F(4x4, 3x3) (`large`),
 * every 4 x 4 block from the 6 x 6 patch under it with 36 instead of 144 (its B^T, G and A^T,
 * 6 x 6, 6 x 3 and 4 x 6, are written out in input_line6, kernel_rows6 and output_line6). Every
 * 3 x 3 convolution of the app's models is stride 1 (the SegNet's all, DenseNet-121's 58), and so
 * is its input gradient (the convolution of dy with the kernel flipped in space and its channel
 * axes swapped), so both go here from conv2d.ts; conv2d.c keeps the other sizes and strides.
 *
 *   out[b][y][x][o] = bias[o] + sum over (i, j, c) of
 *                     in[b][y + i - top][x + j - left][c] * k[i][j][c][o]
 *
 * For a tile whose input patch is d (4 x 4, per input channel) and a kernel g (3 x 3, per input and
 * output channel), with
 *
 *   B^T = | 1  0 -1  0 |    G = |  1    0    0  |    A^T = | 1  1  1  0 |
 *         | 0  1  1  0 |        | 1/2  1/2  1/2 |          | 0  1 -1 -1 |
 *         | 0 -1  1  0 |        | 1/2 -1/2  1/2 |
 *         | 0  1  0 -1 |        |  0    0    1  |
 *
 * the tile is A^T [ sum over c of (G g G^T) (.) (B^T d B) ] A, (.) elementwise. So the work is:
 * the kernel transformed once per call (winograd_pack: U = G g G^T, 16 values per input and output
 * channel); each tile's patch transformed (V = B^T d B, 16 values per input channel); for each of
 * the 16 positions xi a matrix product M[xi] = V[xi] U[xi] (tiles by input channels, times input by
 * output channels), which is where the time goes; and M transformed back into the 2 x 2 pixels.
 * F(2x2, 3x3)'s coefficients are 0, 1 and 1/2, so the values keep float32's precision (about the
 * direct convolution's rounding; the tests hold both to 1e-5 of a float64 reference); F(4x4, 3x3)'s
 * go up to 8 and down to 1/24, and round more (held to 1e-4; 3e-6 to 5e-5 of the direct kernel's
 * values on the app's shapes).
 *
 * Blocking: a run of TILES tiles along a row of tiles is transformed into V (16 or 36 x TILES x ci
 * floats, in the part's scratch), then for each block of 8 output channels and each xi, a register
 * tile of TILES tiles by 8 channels (8 SIMD accumulators, as in conv2d.c) sums over the input
 * channels into M (16 or 36 x TILES x 8 floats), which the output transform reads back at once
 * while it is in the L1 cache. Threads share the rows of tiles, so parts write disjoint output
 * rows.
 *
 * No static data: the module imports the backend's memory and writes only the output and the
 * scratch it is given.
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define INLINE static inline __attribute__((always_inline))

#ifdef __wasm_relaxed_simd__
#define MADD(acc, a, b) wasm_f32x4_relaxed_madd(a, b, acc)
#else
#define MADD(acc, a, b) wasm_f32x4_add(acc, wasm_f32x4_mul(a, b))
#endif

/* Tiles (2 x 2 or 4 x 4 output pixels each) per register tile of the products. */
#define TILES 4

/* Positions of a tile's transform: 16 for F(2x2, 3x3), 36 for F(4x4, 3x3) (`large`). */
#define POSITIONS(large) ((large) ? 36 : 16)

/* Floats of scratch each part needs: V and M. */
EXPORT("winogradScratch")
int winograd_scratch(int ci, int large) { return POSITIONS(large) * TILES * (ci + 8); }

/* 4 lanes from p, or as many as `count` says (the rest 0). */
INLINE v128_t load_lanes(const float *p, int count) {
  if (count >= 4) return wasm_v128_load(p);
  float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
  for (int l = 0; l < count; l++) lanes[l] = p[l];
  return wasm_v128_load(lanes);
}

/* G g for F(4x4, 3x3), one column of g: 6 rows from 3. */
INLINE void kernel_rows6(v128_t g0, v128_t g1, v128_t g2, v128_t *a, int stride) {
  const v128_t sixth = wasm_f32x4_splat(1.0f / 6.0f);
  const v128_t even = wasm_f32x4_add(g0, g2);
  const v128_t outer = wasm_f32x4_add(wasm_f32x4_mul(g0, wasm_f32x4_splat(1.0f / 24.0f)),
                                      wasm_f32x4_mul(g2, sixth));
  const v128_t middle = wasm_f32x4_mul(g1, wasm_f32x4_splat(1.0f / 12.0f));
  a[0] = wasm_f32x4_mul(g0, wasm_f32x4_splat(0.25f));
  a[stride] = wasm_f32x4_mul(wasm_f32x4_neg(wasm_f32x4_add(even, g1)), sixth);
  a[2 * stride] = wasm_f32x4_mul(wasm_f32x4_neg(wasm_f32x4_sub(even, g1)), sixth);
  a[3 * stride] = wasm_f32x4_add(outer, middle);
  a[4 * stride] = wasm_f32x4_sub(outer, middle);
  a[5 * stride] = g2;
}

/* U = G g G^T for F(4x4, 3x3), 4 output channels: 36 vectors to u from the 9 taps g. */
INLINE void kernel_transform6(const v128_t g[9], v128_t u[36]) {
  v128_t a[18]; /* G g: 6 rows of 3 */
  for (int j = 0; j < 3; j++) kernel_rows6(g[j], g[3 + j], g[6 + j], a + j, 3);
  for (int i = 0; i < 6; i++) kernel_rows6(a[3 * i], a[3 * i + 1], a[3 * i + 2], u + 6 * i, 1);
}

/*
 * packed (POSITIONS(large) * ceil(co / 8) * 8 * ci floats) = U = G g G^T for every input and
 * output channel, as [xi][block of 8 output channels][ci][8], zero past the last channel: k is
 * [3, 3, ci, co], or with `flip`, a forward kernel [3, 3, co, ci] to use flipped in space with its
 * channel axes swapped (the input gradient's). Run once, before the parts of `winograd3x3`.
 */
EXPORT("winogradPack")
void winograd_pack(const float *k, float *packed, int ci, int co, int flip, int large) {
  const int blocks = (co + 7) / 8;
  const v128_t half = wasm_f32x4_splat(0.5f);
  for (int c = 0; c < ci; c++) {
    for (int blk = 0; blk < blocks; blk++) {
      const int o0 = blk * 8, lanes = co - o0 < 8 ? co - o0 : 8;
      for (int v = 0; v < 2; v++) { /* output channels o0 + 4v .. o0 + 4v + 3 */
        const int n = lanes - 4 * v;
        v128_t g[9], a[12];
        for (int t = 0; t < 9; t++) {
          if (!flip) {
            g[t] = load_lanes(k + (t * ci + c) * co + o0 + 4 * v, n);
          } else {
            float gathered[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (int l = 0; l < n && l < 4; l++)
              gathered[l] = k[((8 - t) * co + o0 + 4 * v + l) * ci + c];
            g[t] = wasm_v128_load(gathered);
          }
        }
        if (large) {
          v128_t u[36];
          kernel_transform6(g, u);
          for (int xi = 0; xi < 36; xi++)
            wasm_v128_store(packed + ((xi * blocks + blk) * ci + c) * 8 + 4 * v, u[xi]);
          continue;
        }
        for (int j = 0; j < 3; j++) { /* G g: rows */
          const v128_t sum = wasm_f32x4_add(g[j], g[6 + j]);
          a[j] = g[j];
          a[3 + j] = wasm_f32x4_mul(half, wasm_f32x4_add(sum, g[3 + j]));
          a[6 + j] = wasm_f32x4_mul(half, wasm_f32x4_sub(sum, g[3 + j]));
          a[9 + j] = g[6 + j];
        }
        for (int i = 0; i < 4; i++) { /* (G g) G^T: columns */
          const v128_t *r = a + 3 * i, sum = wasm_f32x4_add(r[0], r[2]);
          const v128_t u[4] = {r[0], wasm_f32x4_mul(half, wasm_f32x4_add(sum, r[1])),
                               wasm_f32x4_mul(half, wasm_f32x4_sub(sum, r[1])), r[2]};
          for (int j = 0; j < 4; j++)
            wasm_v128_store(packed + (((i * 4 + j) * blocks + blk) * ci + c) * 8 + 4 * v, u[j]);
        }
      }
    }
  }
}

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
 * V for one tile: its 4 x 4 patch (`at`: each pixel's address in the input, or 0 where it falls in
 * the padding) transformed: channels [c, c + lanes) read (0 past them), `stored` lanes of each xi
 * written to v + xi * stride.
 */
INLINE void transform_patch(const float *const at[16], int c, int lanes, float *v, int stride,
                            int stored) {
  v128_t d[16];
  for (int p = 0; p < 16; p++) d[p] = at[p] ? load_lanes(at[p] + c, lanes) : wasm_f32x4_splat(0.0f);
  v128_t r[16]; /* B^T d: rows */
  for (int s = 0; s < 4; s++) {
    r[s] = wasm_f32x4_sub(d[s], d[8 + s]);
    r[4 + s] = wasm_f32x4_add(d[4 + s], d[8 + s]);
    r[8 + s] = wasm_f32x4_sub(d[8 + s], d[4 + s]);
    r[12 + s] = wasm_f32x4_sub(d[4 + s], d[12 + s]);
  }
  for (int i = 0; i < 4; i++) { /* (B^T d) B: columns */
    const v128_t *q = r + 4 * i;
    float *row = v + 4 * i * stride;
    store_lanes(row, wasm_f32x4_sub(q[0], q[2]), stored);
    store_lanes(row + stride, wasm_f32x4_add(q[1], q[2]), stored);
    store_lanes(row + 2 * stride, wasm_f32x4_sub(q[2], q[1]), stored);
    store_lanes(row + 3 * stride, wasm_f32x4_sub(q[1], q[3]), stored);
  }
}

/*
 * M[xi] for MR tiles and one block of 8 output channels: m[t * 8 + l] = sum over c of
 * v[t * ci + c] * u[c * 8 + l]. MR is a constant at every call, so the accumulators stay in
 * registers.
 */
INLINE void product(const float *v, const float *u, int ci, float *m, const int MR) {
  v128_t acc[TILES][2];
  for (int t = 0; t < MR; t++) acc[t][0] = acc[t][1] = wasm_f32x4_splat(0.0f);
  for (int c = 0; c < ci; c++, u += 8) {
    const v128_t k0 = wasm_v128_load(u), k1 = wasm_v128_load(u + 4);
    for (int t = 0; t < MR; t++) {
      const v128_t s = wasm_v128_load32_splat(v + t * ci + c);
      acc[t][0] = MADD(acc[t][0], s, k0);
      acc[t][1] = MADD(acc[t][1], s, k1);
    }
  }
  for (int t = 0; t < MR; t++) {
    wasm_v128_store(m + t * 8, acc[t][0]);
    wasm_v128_store(m + t * 8 + 4, acc[t][1]);
  }
}

/*
 * The 2 x 2 pixels of one tile, 4 channels, from its 16 values of M (m, 16 vectors TILES * 8 floats
 * apart), with bias and ReLU: out00 is the tile's top-left pixel's address, `row` and `col` the
 * floats between pixels down and across; pixels past the output's bottom or right edge are left
 * out.
 */
INLINE void transform_back(const float *m, float *out00, int row, int col, int down, int across,
                           v128_t bias, int relu, int lanes) {
  v128_t x[16];
  for (int p = 0; p < 16; p++) x[p] = wasm_v128_load(m + p * TILES * 8);
  v128_t t0[4], t1[4]; /* A^T M: rows */
  for (int s = 0; s < 4; s++) {
    t0[s] = wasm_f32x4_add(wasm_f32x4_add(x[s], x[4 + s]), x[8 + s]);
    t1[s] = wasm_f32x4_sub(wasm_f32x4_sub(x[4 + s], x[8 + s]), x[12 + s]);
  }
  v128_t y[4] = {
      wasm_f32x4_add(wasm_f32x4_add(t0[0], t0[1]), t0[2]),
      wasm_f32x4_sub(wasm_f32x4_sub(t0[1], t0[2]), t0[3]),
      wasm_f32x4_add(wasm_f32x4_add(t1[0], t1[1]), t1[2]),
      wasm_f32x4_sub(wasm_f32x4_sub(t1[1], t1[2]), t1[3]),
  };
  for (int p = 0; p < 4; p++) {
    if (p / 2 >= down || p % 2 >= across) continue;
    v128_t value = wasm_f32x4_add(y[p], bias);
    if (relu) value = wasm_f32x4_max(value, wasm_f32x4_splat(0.0f));
    store_lanes(out00 + (p / 2) * row + (p % 2) * col, value, lanes);
  }
}

/* B^T d for F(4x4, 3x3) along one line of 6 (d[0], d[stride], ...), into out[0], out[ostride]... */
INLINE void input_line6(const v128_t *d, int stride, v128_t *out, int ostride) {
  const v128_t four = wasm_f32x4_splat(4.0f), two = wasm_f32x4_splat(2.0f);
  const v128_t d0 = d[0], d1 = d[stride], d2 = d[2 * stride], d3 = d[3 * stride];
  const v128_t d4 = d[4 * stride], d5 = d[5 * stride];
  out[0] = wasm_f32x4_add(
      wasm_f32x4_sub(wasm_f32x4_mul(four, d0), wasm_f32x4_mul(wasm_f32x4_splat(5.0f), d2)), d4);
  const v128_t s12 = wasm_f32x4_add(d1, d2), s34 = wasm_f32x4_add(d3, d4);
  out[ostride] = wasm_f32x4_sub(s34, wasm_f32x4_mul(four, s12));
  out[2 * ostride] =
      wasm_f32x4_add(wasm_f32x4_sub(d4, d3), wasm_f32x4_mul(four, wasm_f32x4_sub(d1, d2)));
  const v128_t e = wasm_f32x4_sub(d4, d2), f = wasm_f32x4_mul(two, wasm_f32x4_sub(d3, d1));
  out[3 * ostride] = wasm_f32x4_add(e, f);
  out[4 * ostride] = wasm_f32x4_sub(e, f);
  out[5 * ostride] = wasm_f32x4_add(
      wasm_f32x4_sub(wasm_f32x4_mul(four, d1), wasm_f32x4_mul(wasm_f32x4_splat(5.0f), d3)), d5);
}

/* transform_patch for F(4x4, 3x3): the 6 x 6 patch (`at`, 36 addresses) into 36 positions. */
INLINE void transform_patch6(const float *const at[36], int c, int lanes, float *v, int stride,
                             int stored) {
  v128_t d[36], r[36];
  for (int p = 0; p < 36; p++) d[p] = at[p] ? load_lanes(at[p] + c, lanes) : wasm_f32x4_splat(0.0f);
  for (int s = 0; s < 6; s++) input_line6(d + s, 6, r + s, 6); /* B^T d: down each column */
  for (int i = 0; i < 6; i++) input_line6(r + 6 * i, 1, d + 6 * i, 1); /* then B: along rows */
  for (int p = 0; p < 36; p++) store_lanes(v + p * stride, d[p], stored);
}

/* A^T m for F(4x4, 3x3) along one line of 6, into 4. */
INLINE void output_line6(const v128_t *x, int stride, v128_t *out, int ostride) {
  const v128_t s12 = wasm_f32x4_add(x[stride], x[2 * stride]);
  const v128_t d12 = wasm_f32x4_sub(x[stride], x[2 * stride]);
  const v128_t s34 = wasm_f32x4_add(x[3 * stride], x[4 * stride]);
  const v128_t d34 = wasm_f32x4_sub(x[3 * stride], x[4 * stride]);
  out[0] = wasm_f32x4_add(wasm_f32x4_add(x[0], s12), s34);
  out[ostride] = wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(2.0f), d34));
  out[2 * ostride] = wasm_f32x4_add(s12, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), s34));
  out[3 * ostride] = wasm_f32x4_add(
      wasm_f32x4_add(d12, wasm_f32x4_mul(wasm_f32x4_splat(8.0f), d34)), x[5 * stride]);
}

/* transform_back for F(4x4, 3x3): the 4 x 4 pixels of one tile from its 36 values of M. */
INLINE void transform_back6(const float *m, float *out00, int row, int col, int down, int across,
                            v128_t bias, int relu, int lanes) {
  v128_t x[36], t[24], y[16];
  for (int p = 0; p < 36; p++) x[p] = wasm_v128_load(m + p * TILES * 8);
  for (int s = 0; s < 6; s++) output_line6(x + s, 6, t + s, 6); /* A^T M: 4 rows of 6 */
  for (int i = 0; i < 4; i++) output_line6(t + 6 * i, 1, y + 4 * i, 1);
  for (int p = 0; p < 16; p++) {
    if (p / 4 >= down || p % 4 >= across) continue;
    v128_t value = wasm_f32x4_add(y[p], bias);
    if (relu) value = wasm_f32x4_max(value, wasm_f32x4_splat(0.0f));
    store_lanes(out00 + (p / 4) * row + (p % 4) * col, value, lanes);
  }
}

/*
 * at[p] = the address in image b of `in` ([batch, h, w, ci]) of pixel p of the side x side patch
 * whose top-left pixel is (y0, x0), row by row; 0 where it falls in the padding.
 */
INLINE void patch_addresses(const float *in, int b, int h, int w, int ci, int y0, int x0,
                            int side, const float **at) {
  for (int p = 0; p < side * side; p++) {
    const int iy = y0 + p / side, ix = x0 + p % side;
    at[p] = iy >= 0 && iy < h && ix >= 0 && ix < w ? in + ((b * h + iy) * w + ix) * ci : 0;
  }
}

/* The share [*begin, *end) of `total` items that part `part` of `parts` takes. */
static void share(int total, int part, int parts, int *begin, int *end) {
  *begin = (int)((long long)total * part / parts);
  *end = (int)((long long)total * (part + 1) / parts);
}

/*
 * out = in convolved with the packed 3 x 3 kernel, stride 1, by F(2x2, 3x3), or with `large`
 * F(4x4, 3x3) (36 positions for 16 output pixels: 2.25 multiply-adds per pixel and channel pair
 * instead of 4, for transforms with coefficients up to 8 and 1/24, and tiles that cover a small
 * feature map less closely): in is [batch, h, w, ci]; out is [batch, oh, ow, co], its pixel (y, x)
 * centred on in's (y + 1 - top, x + 1 - left); bias (co floats, or 0 for none) and `relu` are
 * applied. scratch holds winogradScratch(ci, large) floats for each part. Part `part` of `parts`
 * computes its share of the batch * ceil(oh / tile) rows of tiles.
 */
EXPORT("winograd3x3")
void winograd3x3(const float *in, const float *packed, const float *bias, float *out,
                 float *scratch, int batch, int h, int w, int ci, int oh, int ow, int co, int top,
                 int left, int relu, int large, int part, int parts) {
  const int size = large ? 4 : 2, side = size + 2, positions = side * side;
  const int blocks = (co + 7) / 8;
  const int tile_rows = (oh + size - 1) / size, tile_cols = (ow + size - 1) / size;
  const int vstride = TILES * ci; /* floats between one xi's V and the next's */
  float *v = scratch + part * winograd_scratch(ci, large);
  float *m = v + positions * vstride;
  int begin, end;
  share(batch * tile_rows, part, parts, &begin, &end);
  for (int r = begin; r < end; r++) {
    const int b = r / tile_rows, ty = r % tile_rows;
    for (int tx0 = 0; tx0 < tile_cols; tx0 += TILES) {
      const int n = tile_cols - tx0 < TILES ? tile_cols - tx0 : TILES;
      for (int t = 0; t < n; t++) {
        const float *at[36];
        patch_addresses(in, b, h, w, ci, size * ty - top, size * (tx0 + t) - left, side, at);
        for (int c = 0; c < ci; c += 4) {
          const int lanes = ci - c < 4 ? ci - c : 4;
          if (large) transform_patch6(at, c, lanes, v + t * ci + c, vstride, lanes);
          else transform_patch(at, c, lanes, v + t * ci + c, vstride, lanes);
        }
      }
      for (int blk = 0; blk < blocks; blk++) {
        for (int xi = 0; xi < positions; xi++) {
          const float *u = packed + (xi * blocks + blk) * ci * 8;
          float *mx = m + xi * TILES * 8;
          switch (n) {
          case 4: product(v + xi * vstride, u, ci, mx, 4); break;
          case 3: product(v + xi * vstride, u, ci, mx, 3); break;
          case 2: product(v + xi * vstride, u, ci, mx, 2); break;
          default: product(v + xi * vstride, u, ci, mx, 1); break;
          }
        }
        const int lanes = co - blk * 8 < 8 ? co - blk * 8 : 8;
        for (int half = 0; half < 2 && half * 4 < lanes; half++) {
          const int c0 = blk * 8 + half * 4;
          const v128_t bias4 =
              bias ? load_lanes(bias + c0, lanes - half * 4) : wasm_f32x4_splat(0.0f);
          for (int t = 0; t < n; t++) {
            const int y = size * ty, x = size * (tx0 + t);
            float *at = out + ((b * oh + y) * ow + x) * co + c0;
            const float *mt = m + t * 8 + half * 4;
            if (large)
              transform_back6(mt, at, ow * co, co, oh - y, ow - x, bias4, relu, lanes - half * 4);
            else
              transform_back(mt, at, ow * co, co, oh - y, ow - x, bias4, relu, lanes - half * 4);
          }
        }
      }
    }
  }
}

/*
 * The filter gradient of the same convolution, by the same transforms read backwards:
 *
 *   dw[i][j][c][o] = sum over (b, y, x) of in[b][y + i - top][x + j - left][c] * dy[b][y][x][o]
 *
 * Each output's 2 x 2 tile of dy (Y) and the 4 x 4 input patch under it (d) enter as
 * G^T [ (B^T d B) (.) (A Y A^T) ] G, and the sum over tiles goes inside the brackets: for each xi a
 * product dU[xi] = V[xi]^T W[xi] (input channels by tiles, times tiles by output channels), the
 * long reduction in registers, then one transform of dU into dw. 16 multiply-adds per input and
 * output channel for each tile instead of 36.
 *
 * Blocking: runs of GRADIENT_TILES tiles (over the whole batch, in order) are transformed into V
 * and W (the part's input channels, padded to 4; every output channel, padded to 8); for each xi,
 * each register tile of 4 input by 8 output channels adds the run's tiles to its share of dU.
 * Threads share the tiles, each summing its own into a dU of its own; winogradFilterGradient then
 * adds the parts' dU up in order and transforms the sum into dw, on one thread. (Sharing the input
 * channels instead had each thread transform every tile's dy: 1.68x on two threads for the
 * SegNet's 16 channels, against 1.9x and more for the forward kernel.)
 */
#define GRADIENT_TILES 32

/* Floats of scratch each part needs: dU, V and W for all channels, F(2x2, 3x3) or F(4x4, 3x3). */
EXPORT("winogradGradientScratch")
int winograd_gradient_scratch(int ci, int co, int large) {
  const int ci4 = (ci + 3) / 4 * 4, co8 = (co + 7) / 8 * 8;
  return POSITIONS(large) * (ci4 * co8 + GRADIENT_TILES * (ci4 + co8) + 32);
}

/*
 * W for one tile: its 2 x 2 pixels of dy (`at`, or 0 past dy's edge), channels [o, o + lanes) read
 * (0 past them), 4 lanes of each xi written to w + xi * stride.
 */
INLINE void transform_gradient(const float *const at[4], int o, int lanes, float *w, int stride) {
  v128_t g[4];
  for (int p = 0; p < 4; p++) g[p] = at[p] ? load_lanes(at[p] + o, lanes) : wasm_f32x4_splat(0.0f);
  const v128_t zero = wasm_f32x4_splat(0.0f);
  /* A Y: rows Y0, Y0 + Y1, Y0 - Y1, -Y1; then the same across */
  const v128_t rows[4][2] = {
      {g[0], g[1]},
      {wasm_f32x4_add(g[0], g[2]), wasm_f32x4_add(g[1], g[3])},
      {wasm_f32x4_sub(g[0], g[2]), wasm_f32x4_sub(g[1], g[3])},
      {wasm_f32x4_sub(zero, g[2]), wasm_f32x4_sub(zero, g[3])},
  };
  for (int i = 0; i < 4; i++) {
    const v128_t a = rows[i][0], b = rows[i][1];
    float *row = w + 4 * i * stride;
    wasm_v128_store(row, a);
    wasm_v128_store(row + stride, wasm_f32x4_add(a, b));
    wasm_v128_store(row + 2 * stride, wasm_f32x4_sub(a, b));
    wasm_v128_store(row + 3 * stride, wasm_f32x4_sub(zero, b));
  }
}

/*
 * du[m * co8 + l] += sum over the n tiles of v[t * vs + m] * w[t * ws + l], for 4 input channels
 * (m) by 8 output channels (l).
 */
INLINE void gradient_product(const float *v, int vs, const float *w, int ws, int n, float *du,
                             int co8) {
  v128_t acc[4][2];
  for (int m = 0; m < 4; m++) {
    acc[m][0] = wasm_v128_load(du + m * co8);
    acc[m][1] = wasm_v128_load(du + m * co8 + 4);
  }
  for (int t = 0; t < n; t++, v += vs, w += ws) {
    const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 4);
    for (int m = 0; m < 4; m++) {
      const v128_t s = wasm_v128_load32_splat(v + m);
      acc[m][0] = MADD(acc[m][0], s, w0);
      acc[m][1] = MADD(acc[m][1], s, w1);
    }
  }
  for (int m = 0; m < 4; m++) {
    wasm_v128_store(du + m * co8, acc[m][0]);
    wasm_v128_store(du + m * co8 + 4, acc[m][1]);
  }
}

/* dw's 3 x 3 taps for one input channel and 4 output channels from their 16 values of dU. */
INLINE void transform_filter_gradient(const float *du, int du_stride, float *dw, int tap_stride,
                                      int lanes) {
  const v128_t half = wasm_f32x4_splat(0.5f);
  v128_t u[16], r[12];
  for (int p = 0; p < 16; p++) u[p] = wasm_v128_load(du + p * du_stride);
  for (int s = 0; s < 4; s++) { /* G^T dU: rows */
    const v128_t sum = wasm_f32x4_mul(half, wasm_f32x4_add(u[4 + s], u[8 + s]));
    r[s] = wasm_f32x4_add(u[s], sum);
    r[4 + s] = wasm_f32x4_mul(half, wasm_f32x4_sub(u[4 + s], u[8 + s]));
    r[8 + s] = wasm_f32x4_add(sum, u[12 + s]);
  }
  for (int i = 0; i < 3; i++) { /* (G^T dU) G: columns */
    const v128_t *q = r + 4 * i;
    const v128_t sum = wasm_f32x4_mul(half, wasm_f32x4_add(q[1], q[2]));
    float *row = dw + 3 * i * tap_stride;
    store_lanes(row, wasm_f32x4_add(q[0], sum), lanes);
    store_lanes(row + tap_stride, wasm_f32x4_mul(half, wasm_f32x4_sub(q[1], q[2])), lanes);
    store_lanes(row + 2 * tap_stride, wasm_f32x4_add(sum, q[3]), lanes);
  }
}

/* A Y for F(4x4, 3x3) along one line of 4 (y[0], y[stride], ...), into 6. */
INLINE void gradient_line6(const v128_t *y, int stride, v128_t *out, int ostride) {
  const v128_t y0 = y[0], y1 = y[stride], y2 = y[2 * stride], y3 = y[3 * stride];
  const v128_t even = wasm_f32x4_add(y0, y2), odd = wasm_f32x4_add(y1, y3);
  const v128_t even4 = wasm_f32x4_add(y0, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), y2));
  const v128_t odd4 = wasm_f32x4_add(y1, wasm_f32x4_mul(wasm_f32x4_splat(4.0f), y3));
  const v128_t odd2 = wasm_f32x4_mul(wasm_f32x4_splat(2.0f), odd4);
  out[0] = y0;
  out[ostride] = wasm_f32x4_add(even, odd);
  out[2 * ostride] = wasm_f32x4_sub(even, odd);
  out[3 * ostride] = wasm_f32x4_add(even4, odd2);
  out[4 * ostride] = wasm_f32x4_sub(even4, odd2);
  out[5 * ostride] = y3;
}

/* transform_gradient for F(4x4, 3x3): a tile's 4 x 4 pixels of dy (`at`, 16) into 36 positions. */
INLINE void transform_gradient6(const float *const at[16], int o, int lanes, float *w,
                                int stride) {
  v128_t g[16], r[24], u[36];
  for (int p = 0; p < 16; p++)
    g[p] = at[p] ? load_lanes(at[p] + o, lanes) : wasm_f32x4_splat(0.0f);
  for (int s = 0; s < 4; s++) gradient_line6(g + s, 4, r + s, 4); /* A Y: 6 rows of 4 */
  for (int i = 0; i < 6; i++) gradient_line6(r + 4 * i, 1, u + 6 * i, 1);
  for (int p = 0; p < 36; p++) wasm_v128_store(w + p * stride, u[p]);
}

/* G^T x for F(4x4, 3x3) along one line of 6, into 3. */
INLINE void filter_line6(const v128_t *x, int stride, v128_t *out, int ostride) {
  const v128_t sixth = wasm_f32x4_splat(1.0f / 6.0f), twelfth = wasm_f32x4_splat(1.0f / 12.0f);
  const v128_t s12 = wasm_f32x4_add(x[stride], x[2 * stride]);
  const v128_t d21 = wasm_f32x4_sub(x[2 * stride], x[stride]);
  const v128_t s34 = wasm_f32x4_add(x[3 * stride], x[4 * stride]);
  const v128_t d34 = wasm_f32x4_sub(x[3 * stride], x[4 * stride]);
  out[0] = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(0.25f), x[0]),
                          wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_splat(-1.0f / 6.0f), s12),
                                         wasm_f32x4_mul(wasm_f32x4_splat(1.0f / 24.0f), s34)));
  out[ostride] = wasm_f32x4_add(wasm_f32x4_mul(sixth, d21), wasm_f32x4_mul(twelfth, d34));
  out[2 * ostride] =
      wasm_f32x4_add(wasm_f32x4_mul(sixth, wasm_f32x4_sub(s34, s12)), x[5 * stride]);
}

/* transform_filter_gradient for F(4x4, 3x3): 9 taps from 36 positions of dU. */
INLINE void transform_filter_gradient6(const float *du, int du_stride, float *dw, int tap_stride,
                                       int lanes) {
  v128_t u[36], r[18], d[9];
  for (int p = 0; p < 36; p++) u[p] = wasm_v128_load(du + p * du_stride);
  for (int s = 0; s < 6; s++) filter_line6(u + s, 6, r + s, 6); /* G^T dU: 3 rows of 6 */
  for (int i = 0; i < 3; i++) filter_line6(r + 6 * i, 1, d + 3 * i, 1);
  for (int t = 0; t < 9; t++) store_lanes(dw + t * tap_stride, d[t], lanes);
}

/*
 * Part `part` of `parts` of the filter gradient of a 3 x 3, stride-1 convolution of x ([batch, h,
 * w, ci]) whose output gradient is dy ([batch, oh, ow, co]), output pixel (y, x) centred on x's
 * (y + 1 - top, x + 1 - left): the sum over its share of the tiles, as dU ([16][ci4][co8]), at the
 * start of its scratch (winogradGradientScratch(ci, co) floats for each part).
 */
EXPORT("winogradGradientParts")
void winograd_gradient_parts(const float *x, const float *dy, float *scratch, int batch, int h,
                             int w, int ci, int oh, int ow, int co, int top, int left, int large,
                             int part, int parts) {
  const int size = large ? 4 : 2, side = size + 2, positions = side * side;
  const int ci4 = (ci + 3) / 4 * 4, co8 = (co + 7) / 8 * 8;
  const int tile_rows = (oh + size - 1) / size, tile_cols = (ow + size - 1) / size;
  int begin, end;
  share(batch * tile_rows * tile_cols, part, parts, &begin, &end);
  /* Floats from one xi to the next in V and W: 16 more than a run's, since whole multiples of 4 KB
     (as 32 tiles of 128 channels) put every xi's row in the same set of the L1 cache, which made
     the kernel 1.5x slower. */
  const int vs = GRADIENT_TILES * ci4 + 16, ws = GRADIENT_TILES * co8 + 16;
  float *du = scratch + part * winograd_gradient_scratch(ci, co, large);
  float *v = du + positions * ci4 * co8;
  float *wt = v + positions * vs;
  for (int k = 0; k < positions * ci4 * co8; k++) du[k] = 0.0f;
  for (int t0 = begin; t0 < end; t0 += GRADIENT_TILES) {
    const int n = end - t0 < GRADIENT_TILES ? end - t0 : GRADIENT_TILES;
    for (int t = 0; t < n; t++) {
      const int q = t0 + t, b = q / (tile_rows * tile_cols);
      const int ty = q / tile_cols % tile_rows, tx = q % tile_cols;
      const float *at[36], *gat[16];
      patch_addresses(x, b, h, w, ci, size * ty - top, size * tx - left, side, at);
      for (int p = 0; p < size * size; p++) {
        const int y = size * ty + p / size, xx = size * tx + p % size;
        gat[p] = y < oh && xx < ow ? dy + ((b * oh + y) * ow + xx) * co : 0;
      }
      for (int c = 0; c < ci4; c += 4) {
        const int lanes = ci - c < 4 ? ci - c : 4;
        if (large) transform_patch6(at, c, lanes, v + t * ci4 + c, vs, 4);
        else transform_patch(at, c, lanes, v + t * ci4 + c, vs, 4);
      }
      for (int o = 0; o < co8; o += 4) {
        const int lanes = co - o < 4 ? (co - o > 0 ? co - o : 0) : 4;
        if (large) transform_gradient6(gat, o, lanes, wt + t * co8 + o, ws);
        else transform_gradient(gat, o, lanes, wt + t * co8 + o, ws);
      }
    }
    for (int xi = 0; xi < positions; xi++)
      for (int c = 0; c < ci4; c += 4)
        for (int o = 0; o < co8; o += 8)
          gradient_product(v + xi * vs + c, ci4, wt + xi * ws + o, co8, n,
                           du + (xi * ci4 + c) * co8 + o, co8);
  }
}

/*
 * dw ([3, 3, ci, co]) = the parts' dU (winogradGradientParts, `parts` of them in scratch) added up
 * in order and transformed. One thread.
 */
EXPORT("winogradFilterGradient")
void winograd_filter_gradient(float *scratch, int parts, float *dw, int ci, int co, int large) {
  const int ci4 = (ci + 3) / 4 * 4, co8 = (co + 7) / 8 * 8;
  const int size = POSITIONS(large) * ci4 * co8;
  const int per_part = winograd_gradient_scratch(ci, co, large);
  for (int k = 1; k < parts; k++) {
    const float *other = scratch + k * per_part;
    int i = 0;
    for (; i + 4 <= size; i += 4)
      wasm_v128_store(scratch + i,
                      wasm_f32x4_add(wasm_v128_load(scratch + i), wasm_v128_load(other + i)));
  }
  for (int c = 0; c < ci; c++) {
    for (int o = 0; o < co; o += 4) {
      const int lanes = co - o < 4 ? co - o : 4;
      if (large)
        transform_filter_gradient6(scratch + c * co8 + o, ci4 * co8, dw + c * co + o, ci * co,
                                   lanes);
      else
        transform_filter_gradient(scratch + c * co8 + o, ci4 * co8, dw + c * co + o, ci * co,
                                  lanes);
    }
  }
}
