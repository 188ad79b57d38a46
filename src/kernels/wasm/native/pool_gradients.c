/*
 * The gradients of SegNet's two resampling layers and of DenseNet's average pooling for
 * tfjs-backend-wasm, on the backend's own memory (see filter_gradient.c for how these modules are
 * built and loaded). tfjs-backend-wasm's own MaxPoolGrad and ResizeNearestNeighborGrad took 135
 * and 80-120 ms of a 2.5 s SegNet step; both are scatter-adds over memory that these do in one
 * pass. Channels last throughout.
 *
 * Part `part` of `parts` (threads sharing the work, see threads.ts) takes its share of the
 * channels, [c0, c1), in the scatter-adds: channels never mix, so parts write disjoint parts of dx
 * even where pooling windows overlap.
 */
#define EXPORT(name) __attribute__((export_name(name)))

/* The share [*begin, *end) of `total` items that part `part` of `parts` takes. */
static void share(int total, int part, int parts, int *begin, int *end) {
  *begin = (int)((long long)total * part / parts);
  *end = (int)((long long)total * (part + 1) / parts);
}

/*
 * dx = the max-pooling gradient: each output pixel's gradient goes, channel by channel, to the
 * window pixel that was its maximum (the first such in row-major window order, as tfjs picks it;
 * none where the window holds no number above -infinity). Overlapping windows add up.
 */
EXPORT("maxPoolGradient")
void max_pool_gradient(const float *x, const float *dy, float *dx, int batch, int h, int w, int depth,
                       int oh, int ow, int fh, int fw, int sh, int sw, int top, int left,
                       int part, int parts) {
  int c0, c1;
  share(depth, part, parts, &c0, &c1);
  for (int p = 0; p < batch * h * w; p++)
    for (int c = c0; c < c1; c++) dx[p * depth + c] = 0.0f;
  for (int b = 0; b < batch; b++) {
    const float *image = x + b * h * w * depth;
    float *gradient = dx + b * h * w * depth;
    for (int oy = 0; oy < oh; oy++) {
      const int y0 = oy * sh - top;
      const int ya = y0 < 0 ? 0 : y0, yb = y0 + fh < h ? y0 + fh : h;
      for (int ox = 0; ox < ow; ox++) {
        const int x0 = ox * sw - left;
        const int xa = x0 < 0 ? 0 : x0, xb = x0 + fw < w ? x0 + fw : w;
        const float *g = dy + ((b * oh + oy) * ow + ox) * depth;
        for (int c = c0; c < c1; c++) {
          float best = -__builtin_inff();
          int at = -1;
          for (int y = ya; y < yb; y++) {
            for (int xx = xa; xx < xb; xx++) {
              const int i = (y * w + xx) * depth + c;
              if (image[i] > best) {
                best = image[i];
                at = i;
              }
            }
          }
          if (at >= 0) gradient[at] += g[c];
        }
      }
    }
  }
}

/*
 * dx = the nearest-neighbour resize gradient: each output pixel's gradient is added to the input
 * pixel the forward pass copied it from, input row rows[oy] and column cols[ox] (computed by the
 * caller with the forward kernel's own rule).
 */
EXPORT("resizeNearestGradient")
void resize_nearest_gradient(const float *dy, const int *rows, const int *cols, float *dx, int batch,
                             int h, int w, int depth, int oh, int ow, int part, int parts) {
  int c0, c1;
  share(depth, part, parts, &c0, &c1);
  for (int p = 0; p < batch * h * w; p++)
    for (int c = c0; c < c1; c++) dx[p * depth + c] = 0.0f;
  for (int b = 0; b < batch; b++) {
    for (int oy = 0; oy < oh; oy++) {
      float *row = dx + (b * h + rows[oy]) * w * depth;
      const float *g = dy + (b * oh + oy) * ow * depth;
      for (int ox = 0; ox < ow; ox++, g += depth) {
        float *to = row + cols[ox] * depth;
        for (int c = c0; c < c1; c++) to[c] += g[c];
      }
    }
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
