/*
 * SegNet's nearest-neighbour upsampling and the gradients of its two resampling layers and of
 * DenseNet's average pooling for tfjs-backend-wasm, on the backend's own memory (see
 * filter_gradient.c for how these modules are built and loaded). tfjs-backend-wasm's own
 * MaxPoolGrad and ResizeNearestNeighborGrad took 135 and 80-120 ms of a 2.5 s SegNet step; both
 * are scatter-adds over memory that these do in one pass. Channels last throughout.
 *
 * Part `part` of `parts` (threads sharing the work, see threads.ts) takes its share of the rows
 * of the output (of dx for the gradients), so parts write disjoint rows even where pooling
 * windows overlap. (Sharing the channels instead had two threads write the same cache lines where
 * a pixel's channels fit in one, SegNet's 8 and 16: the resize gradient took twice as long on two
 * threads as on one.)
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* The share [*begin, *end) of `total` items that part `part` of `parts` takes. */
static void share(int total, int part, int parts, int *begin, int *end) {
  *begin = (int)((long long)total * part / parts);
  *end = (int)((long long)total * (part + 1) / parts);
}

/*
 * The rows [*y0, *y1) of image *b that the input rows [r, r1) of the batch (batch * h rows in
 * all) hold from r on: a part's share of the rows, image by image.
 */
static void image_rows(int r, int r1, int h, int *b, int *y0, int *y1) {
  *b = r / h;
  *y0 = r % h;
  *y1 = r1 - *b * h < h ? r1 - *b * h : h;
}

/*
 * dx = the max-pooling gradient: each output pixel's gradient goes, channel by channel, to the
 * window pixel that was its maximum (the first such in row-major window order, as tfjs picks it;
 * none where the window holds no number above -infinity). Overlapping windows add up. Each part
 * takes its share of dx's rows and every window that reaches into them, adding only what lands
 * in its rows (so parts never write the same cache line, as they did when they shared channels).
 */
EXPORT("maxPoolGradient")
void max_pool_gradient(const float *x, const float *dy, float *dx, int batch, int h, int w, int depth,
                       int oh, int ow, int fh, int fw, int sh, int sw, int top, int left,
                       int part, int parts) {
  int r0, r1;
  share(batch * h, part, parts, &r0, &r1);
  __builtin_memset(dx + (long)r0 * w * depth, 0, (unsigned long)(r1 - r0) * w * depth * 4);
  for (int r = r0; r < r1;) {
    int b, ylo, yhi;
    image_rows(r, r1, h, &b, &ylo, &yhi);
    r = b * h + yhi;
    const float *image = x + (long)b * h * w * depth;
    float *gradient = dx + (long)b * h * w * depth;
    /* The windows reaching into rows [ylo, yhi): oy * sh - top + fh > ylo, oy * sh - top < yhi. */
    const int below = ylo + top - fh;
    const int first = below < 0 ? 0 : below / sh + 1;
    const int last = (yhi - 1 + top) / sh < oh - 1 ? (yhi - 1 + top) / sh : oh - 1;
    for (int oy = first; oy <= last; oy++) {
      const int y0 = oy * sh - top;
      const int ya = y0 < 0 ? 0 : y0, yb = y0 + fh < h ? y0 + fh : h;
      for (int ox = 0; ox < ow; ox++) {
        const int x0 = ox * sw - left;
        const int xa = x0 < 0 ? 0 : x0, xb = x0 + fw < w ? x0 + fw : w;
        const float *g = dy + (((long)b * oh + oy) * ow + ox) * depth;
        int c = 0;
        /* 4 channels at a time: each lane keeps its best value, and the index and row of it. */
        for (; c + 4 <= depth; c += 4) {
          v128_t best = wasm_f32x4_splat(-__builtin_inff());
          v128_t at = wasm_i32x4_splat(-1), at_row = wasm_i32x4_splat(-1);
          for (int y = ya; y < yb; y++) {
            const v128_t row = wasm_i32x4_splat(y);
            for (int xx = xa; xx < xb; xx++) {
              const int i = (y * w + xx) * depth + c;
              const v128_t value = wasm_v128_load(image + i);
              const v128_t above = wasm_f32x4_gt(value, best);
              best = wasm_v128_bitselect(value, best, above);
              at = wasm_v128_bitselect(wasm_i32x4_splat(i), at, above);
              at_row = wasm_v128_bitselect(row, at_row, above);
            }
          }
          int ats[4], rows[4];
          wasm_v128_store(ats, at);
          wasm_v128_store(rows, at_row);
          for (int l = 0; l < 4; l++)
            if (ats[l] >= 0 && rows[l] >= ylo && rows[l] < yhi) gradient[ats[l] + l] += g[c + l];
        }
        for (; c < depth; c++) {
          float best = -__builtin_inff();
          int at = -1, at_row = -1;
          for (int y = ya; y < yb; y++) {
            for (int xx = xa; xx < xb; xx++) {
              const int i = (y * w + xx) * depth + c;
              if (image[i] > best) {
                best = image[i];
                at = i;
                at_row = y;
              }
            }
          }
          if (at >= 0 && at_row >= ylo && at_row < yhi) gradient[at] += g[c];
        }
      }
    }
  }
}

/*
 * dx = the nearest-neighbour resize gradient: each output pixel's gradient is added to the input
 * pixel the forward pass copied it from, input row rows[oy] and column cols[ox] (computed by the
 * caller with the forward kernel's own rule). Parts share dx's rows.
 */
EXPORT("resizeNearestGradient")
void resize_nearest_gradient(const float *dy, const int *rows, const int *cols, float *dx, int batch,
                             int h, int w, int depth, int oh, int ow, int part, int parts) {
  int r0, r1;
  share(batch * h, part, parts, &r0, &r1);
  __builtin_memset(dx + (long)r0 * w * depth, 0, (unsigned long)(r1 - r0) * w * depth * 4);
  for (int r = r0; r < r1;) {
    int b, ylo, yhi;
    image_rows(r, r1, h, &b, &ylo, &yhi);
    r = b * h + yhi;
    for (int oy = 0; oy < oh; oy++) {
      if (rows[oy] < ylo || rows[oy] >= yhi) continue;
      float *row = dx + ((long)b * h + rows[oy]) * w * depth;
      const float *g = dy + ((long)b * oh + oy) * ow * depth;
      for (int ox = 0; ox < ow; ox++, g += depth) {
        float *to = row + (long)cols[ox] * depth;
        for (int c = 0; c < depth; c++) to[c] += g[c];
      }
    }
  }
}

/*
 * out = the nearest-neighbour resize of x: output pixel (oy, ox) is input pixel (rows[oy],
 * cols[ox]), every channel. Parts share the output's rows (batch * oh). tfjs's own runs on one
 * thread.
 */
EXPORT("resizeNearest")
void resize_nearest(const float *x, const int *rows, const int *cols, float *out, int batch, int h,
                    int w, int depth, int oh, int ow, int part, int parts) {
  int r0, r1;
  share(batch * oh, part, parts, &r0, &r1);
  for (int r = r0; r < r1; r++) {
    const int b = r / oh, oy = r % oh;
    const float *row = x + ((long)b * h + rows[oy]) * w * depth;
    float *to = out + (long)r * ow * depth;
    for (int ox = 0; ox < ow; ox++, to += depth)
      __builtin_memcpy(to, row + (long)cols[ox] * depth, (unsigned long)depth * sizeof(float));
  }
}

/*
 * dx = the average-pooling gradient where the windows tile the input without overlap or padding
 * (filter = stride, 'valid': DenseNet's transitions): each input pixel in a window takes its
 * window's gradient times 1 / (fh * fw); the rows and columns past the last window take 0. Parts
 * share the input rows (batch * h) rather than the channels.
 */
EXPORT("avgPoolGradient")
void avg_pool_gradient(const float *dy, float *dx, int batch, int h, int w, int depth, int oh,
                       int ow, int fh, int fw, int part, int parts) {
  int begin, end;
  share(batch * h, part, parts, &begin, &end);
  const float scale = 1.0f / (float)(fh * fw);
  for (int r = begin; r < end; r++) {
    const int b = r / h, y = r % h, oy = y / fh;
    float *out = dx + (long)r * w * depth;
    if (oy >= oh) {
      __builtin_memset(out, 0, (unsigned long)w * depth * sizeof(float));
      continue;
    }
    const float *row = dy + ((long)b * oh + oy) * ow * depth;
    for (int x = 0; x < w; x++, out += depth) {
      const int ox = x / fw;
      if (ox >= ow) {
        __builtin_memset(out, 0, (unsigned long)depth * sizeof(float));
        continue;
      }
      const float *g = row + (long)ox * depth;
      for (int c = 0; c < depth; c++) out[c] = g[c] * scale;
    }
  }
}
