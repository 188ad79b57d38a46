/*
 * Per-channel and elementwise kernels for tfjs-backend-wasm, on the backend's own memory (see
 * filter_gradient.c for how these modules are built and loaded), for the work of a training step
 * that is not convolution: the batch-norm normalisation, DenseNet's concatenation along channels
 * and its gradient's split, ReLU and its gradient, and large elementwise products, sums and
 * differences. tfjs runs these on one thread (its SplitV copies element by element); here threads
 * share them (see threads.ts).
 * Tensors are [pixels, channels], channels last.
 *
 * Part `part` of `parts` takes its share of the pixels (or of the elements), so parts write
 * disjoint parts of every output. Each output element is computed as tfjs computes it, one
 * multiplication and one addition apart (no fused multiply-add), so results do not depend on the
 * number of parts; but for batch norm's sums over the pixels, whose parts' sums in doubles are
 * added up after (a difference in the last bits of a double, before the float is rounded).
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(name)))

/* tfjs rounds every product before a sum: no contraction into fused multiply-adds here. */
#pragma clang fp contract(off)

/* The share [*begin, *end) of `total` items that part `part` of `parts` takes. */
static void share(int total, int part, int parts, int *begin, int *end) {
  *begin = (int)((long long)total * part / parts);
  *end = (int)((long long)total * (part + 1) / parts);
}

/*
 * coefficients (2 * channels floats) = the batch norm as y = x * a + b per channel:
 * a = scale / sqrt(variance + epsilon), b = offset - mean * a (scale 1 and offset 0 where absent).
 * One thread, before the parts of `scaleShift`; `epsilon` is a float in memory.
 */
EXPORT("batchNormCoefficients")
void batch_norm_coefficients(const float *mean, const float *variance, const float *scale,
                             const float *offset, const float *epsilon, float *coefficients,
                             int channels) {
  for (int c = 0; c < channels; c++) {
    const float a = (scale ? scale[c] : 1.0f) / __builtin_sqrtf(variance[c] + *epsilon);
    coefficients[c] = a;
    coefficients[channels + c] = (offset ? offset[c] : 0.0f) - mean[c] * a;
  }
}

/*
 * y = x * a + b per channel, a and b from batchNormCoefficients; with `relu`, max(y, 0) (batch norm
 * and the ReLU after it in one pass).
 */
EXPORT("scaleShift")
void scale_shift(const float *x, const float *coefficients, float *y, int pixels, int channels,
                 int relu, int part, int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  const float *a = coefficients, *b = coefficients + channels;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int p = begin; p < end; p++) {
    const float *in = x + (long)p * channels;
    float *out = y + (long)p * channels;
    int c = 0;
    for (; c + 4 <= channels; c += 4) {
      const v128_t v = wasm_f32x4_mul(wasm_v128_load(in + c), wasm_v128_load(a + c));
      const v128_t u = wasm_f32x4_add(v, wasm_v128_load(b + c));
      wasm_v128_store(out + c, relu ? wasm_f32x4_max(u, zero) : u);
    }
    for (; c < channels; c++) {
      const float u = in[c] * a[c] + b[c];
      out[c] = relu && u < 0.0f ? 0.0f : u;
    }
  }
}

/*
 * Splits x, [pixels, channels], along channels into `count` tensors: piece k is [pixels,
 * widths[k]] at targets[k] (byte addresses). widths and targets are ints in memory.
 */
EXPORT("splitChannels")
void split_channels(const float *x, const int *widths, const int *targets, int count, int pixels,
                    int channels, int part, int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  for (int p = begin; p < end; p++) {
    const float *in = x + (long)p * channels;
    for (int k = 0; k < count; k++) {
      const int width = widths[k];
      float *out = (float *)(long)targets[k] + (long)p * width;
      __builtin_memcpy(out, in, (unsigned long)width * sizeof(float));
      in += width;
    }
  }
}

/*
 * Joins `count` tensors along channels into out, [pixels, channels]: source k is [pixels,
 * widths[k]] at sources[k] (byte addresses). widths and sources are ints in memory.
 */
EXPORT("concatChannels")
void concat_channels(const int *sources, const int *widths, int count, float *out, int pixels,
                     int channels, int part, int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  for (int p = begin; p < end; p++) {
    float *target = out + (long)p * channels;
    for (int k = 0; k < count; k++) {
      const int width = widths[k];
      const float *in = (const float *)(long)sources[k] + (long)p * width;
      __builtin_memcpy(target, in, (unsigned long)width * sizeof(float));
      target += width;
    }
  }
}

/*
 * The elementwise operations of `elementwise`. RELU takes a alone (max(a, 0), NaN kept as
 * tfjs's Relu keeps it); RELU_GRADIENT passes a (the gradient) where b (ReLU's output) is above 0
 * and writes 0 elsewhere, as tfjs's dy * step(x) does for finite dy.
 */
enum { MULTIPLY = 0, ADD = 1, SUBTRACT = 2, RELU = 3, RELU_GRADIENT = 4 };

/* out[0 .. n) = a op b, elementwise. */
static inline __attribute__((always_inline)) void apply(const float *a, const float *b, float *out,
                                                        int n, int op) {
  int i = 0;
  switch (op) {
    case MULTIPLY:
      for (; i + 4 <= n; i += 4)
        wasm_v128_store(out + i, wasm_f32x4_mul(wasm_v128_load(a + i), wasm_v128_load(b + i)));
      for (; i < n; i++) out[i] = a[i] * b[i];
      break;
    case ADD:
      for (; i + 4 <= n; i += 4)
        wasm_v128_store(out + i, wasm_f32x4_add(wasm_v128_load(a + i), wasm_v128_load(b + i)));
      for (; i < n; i++) out[i] = a[i] + b[i];
      break;
    case SUBTRACT:
      for (; i + 4 <= n; i += 4)
        wasm_v128_store(out + i, wasm_f32x4_sub(wasm_v128_load(a + i), wasm_v128_load(b + i)));
      for (; i < n; i++) out[i] = a[i] - b[i];
      break;
    case RELU: {
      const v128_t zero = wasm_f32x4_splat(0.0f);
      for (; i + 4 <= n; i += 4)
        wasm_v128_store(out + i, wasm_f32x4_max(wasm_v128_load(a + i), zero));
      for (; i < n; i++) out[i] = a[i] < 0.0f ? 0.0f : a[i];
      break;
    }
    case RELU_GRADIENT: {
      const v128_t zero = wasm_f32x4_splat(0.0f);
      for (; i + 4 <= n; i += 4) {
        const v128_t above = wasm_f32x4_gt(wasm_v128_load(b + i), zero);
        wasm_v128_store(out + i, wasm_v128_and(wasm_v128_load(a + i), above));
      }
      for (; i < n; i++) out[i] = b[i] > 0.0f ? a[i] : 0.0f;
      break;
    }
  }
}

/*
 * out = a op b over n elements (a alone for RELU), b of the same size, or with `period` > 0 a
 * vector of `period` elements repeated along a (a per-channel vector; n a multiple of period).
 * Parts share the rows of `period` elements (of 1024 where b is as long as a).
 */
EXPORT("elementwise")
void elementwise(const float *a, const float *b, float *out, int n, int period, int op, int part,
                 int parts) {
  const int row = period ? period : 1024;
  int begin, end;
  share((n + row - 1) / row, part, parts, &begin, &end);
  for (int r = begin; r < end; r++) {
    const long at = (long)r * row;
    const int length = at + row <= n ? row : n - (int)at;
    apply(a + at, period ? b : b + at, out + at, length, op);
  }
}

/* Channels at a time whose sums a part keeps in doubles on its stack. */
#define CHANNEL_BLOCK 256

/* The low and high two floats of v as two pairs of doubles. */
static inline __attribute__((always_inline)) v128_t low_doubles(v128_t v) {
  return wasm_f64x2_promote_low_f32x4(v);
}
static inline __attribute__((always_inline)) v128_t high_doubles(v128_t v) {
  return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
}

/* Pixels whose gradient terms are summed in floats before their sum is added in doubles. */
#define FLOAT_RUN 32

/* Adds the 4 floats of v to the two pairs of doubles at d. */
static inline __attribute__((always_inline)) void add_doubles(v128_t *d, v128_t v) {
  d[0] = wasm_f64x2_add(d[0], low_doubles(v));
  d[1] = wasm_f64x2_add(d[1], high_doubles(v));
}

/*
 * Sums over the pixels, per channel of [c0, c0 + width), 4 channels at a time, each channel's sum
 * taken in pixel order as a scalar loop would, so the sums do not depend on the SIMD.
 *
 * Without dy, the moments: f = x and g = x * x, x promoted to double first and every term added in
 * doubles (E[x^2] - mean^2 cancels: see channelMomentParts).
 *
 * With dy, batch norm's gradient sums: f = dy and g = dy * (x - center), taken in floats as the
 * gradient takes them, summed in floats over runs of FLOAT_RUN pixels and the runs' sums added in
 * doubles (nothing cancels here; in doubles throughout, the conversions made this pass twice the
 * arithmetic and bound by it). dy counts as 0 where `mask` (or null) is not above 0 (the gradient
 * through a ReLU whose output that is).
 */
static void channel_sums(const float *x, const float *dy, const float *mask, const float *center,
                         int pixels, int channels, int c0, int width, double *f_sum,
                         double *g_sum) {
  v128_t f[CHANNEL_BLOCK / 2], g[CHANNEL_BLOCK / 2];
  const v128_t zero = wasm_f32x4_splat(0.0f);
  const int vectors = width / 4;
  for (int v = 0; v < 2 * vectors; v++) f[v] = g[v] = wasm_f64x2_splat(0.0);
  for (int c = 4 * vectors; c < width; c++) f_sum[c] = g_sum[c] = 0.0;
  if (dy) {
    v128_t fr[CHANNEL_BLOCK / 4], gr[CHANNEL_BLOCK / 4];
    float fr_tail[4], gr_tail[4];
    for (int p0 = 0; p0 < pixels; p0 += FLOAT_RUN) {
      const int p1 = pixels - p0 < FLOAT_RUN ? pixels : p0 + FLOAT_RUN;
      for (int v = 0; v < vectors; v++) fr[v] = gr[v] = zero;
      for (int c = 0; c < width - 4 * vectors; c++) fr_tail[c] = gr_tail[c] = 0.0f;
      for (int p = p0; p < p1; p++) {
        const float *xs = x + (long)p * channels + c0, *gs = dy + (long)p * channels + c0;
        const float *ms = mask ? mask + (long)p * channels + c0 : 0;
        for (int v = 0; v < vectors; v++) {
          const v128_t d =
              wasm_f32x4_sub(wasm_v128_load(xs + 4 * v), wasm_v128_load(center + c0 + 4 * v));
          v128_t e = wasm_v128_load(gs + 4 * v);
          if (ms) e = wasm_v128_and(e, wasm_f32x4_gt(wasm_v128_load(ms + 4 * v), zero));
          fr[v] = wasm_f32x4_add(fr[v], e);
          gr[v] = wasm_f32x4_add(gr[v], wasm_f32x4_mul(e, d));
        }
        for (int c = 4 * vectors; c < width; c++) {
          const float e = ms && !(ms[c] > 0.0f) ? 0.0f : gs[c];
          fr_tail[c - 4 * vectors] += e;
          gr_tail[c - 4 * vectors] += e * (xs[c] - center[c0 + c]);
        }
      }
      for (int v = 0; v < vectors; v++) {
        add_doubles(f + 2 * v, fr[v]);
        add_doubles(g + 2 * v, gr[v]);
      }
      for (int c = 4 * vectors; c < width; c++) {
        f_sum[c] += fr_tail[c - 4 * vectors];
        g_sum[c] += gr_tail[c - 4 * vectors];
      }
    }
  } else {
    for (int p = 0; p < pixels; p++) {
      const float *xs = x + (long)p * channels + c0;
      for (int v = 0; v < vectors; v++) {
        const v128_t e = wasm_v128_load(xs + 4 * v);
        const v128_t e_low = low_doubles(e), e_high = high_doubles(e);
        f[2 * v] = wasm_f64x2_add(f[2 * v], e_low);
        f[2 * v + 1] = wasm_f64x2_add(f[2 * v + 1], e_high);
        g[2 * v] = wasm_f64x2_add(g[2 * v], wasm_f64x2_mul(e_low, e_low));
        g[2 * v + 1] = wasm_f64x2_add(g[2 * v + 1], wasm_f64x2_mul(e_high, e_high));
      }
      for (int c = 4 * vectors; c < width; c++) {
        f_sum[c] += xs[c];
        g_sum[c] += (double)xs[c] * (double)xs[c];
      }
    }
  }
  for (int v = 0; v < vectors; v++) {
    f_sum[4 * v] = wasm_f64x2_extract_lane(f[2 * v], 0);
    f_sum[4 * v + 1] = wasm_f64x2_extract_lane(f[2 * v], 1);
    f_sum[4 * v + 2] = wasm_f64x2_extract_lane(f[2 * v + 1], 0);
    f_sum[4 * v + 3] = wasm_f64x2_extract_lane(f[2 * v + 1], 1);
    g_sum[4 * v] = wasm_f64x2_extract_lane(g[2 * v], 0);
    g_sum[4 * v + 1] = wasm_f64x2_extract_lane(g[2 * v], 1);
    g_sum[4 * v + 2] = wasm_f64x2_extract_lane(g[2 * v + 1], 0);
    g_sum[4 * v + 3] = wasm_f64x2_extract_lane(g[2 * v + 1], 1);
  }
}

/*
 * The batch's mean and variance per channel, as batch norm in training takes them (the variance
 * of the batch, not an estimate), in one pass over x: the sums of x and of its square in doubles,
 * variance = E[x^2] - mean^2. With doubles' 53 bits this loses nothing a float keeps unless a
 * channel's mean is some 10^6 standard deviations from zero; one pass instead of two reads the
 * feature map once less (batch norm is bound by memory, not arithmetic).
 *
 * In two steps, as threads share it: channelMomentParts, whose part `part` of `parts` sums its
 * share of the pixels, every channel, into partial (2 * channels doubles per part: the sums, then
 * the sums of squares); then channelMoments, on one thread, adds the parts in order. (Parts that
 * shared the channels instead each streamed every cache line of x, a pixel's channels being
 * contiguous: 1.1x on two threads against 2x by pixels.)
 */
EXPORT("channelMomentParts")
void channel_moment_parts(const float *x, double *partial, int pixels, int channels, int part,
                          int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  double *sum = partial + 2L * channels * part, *squares = sum + channels;
  for (int c0 = 0; c0 < channels; c0 += CHANNEL_BLOCK) {
    const int width = channels - c0 < CHANNEL_BLOCK ? channels - c0 : CHANNEL_BLOCK;
    channel_sums(x + (long)begin * channels, 0, 0, 0, end - begin, channels, c0, width, sum + c0,
                 squares + c0);
  }
}

EXPORT("channelMoments")
void channel_moments(const double *partial, int parts, float *mean, float *variance, int pixels,
                     int channels) {
  for (int c = 0; c < channels; c++) {
    double sum = 0.0, squares = 0.0;
    for (int k = 0; k < parts; k++) {
      sum += partial[2L * channels * k + c];
      squares += partial[2L * channels * k + channels + c];
    }
    const double m = sum / pixels, v = squares / pixels - m * m;
    mean[c] = (float)m;
    variance[c] = (float)(v > 0.0 ? v : 0.0);
  }
}

/*
 * out = the sums of channelMomentParts' parts, per channel, or with `mean` their averages over the
 * pixels: Sum and Mean over the leading axes (a convolution's bias gradient, a loss's mean). One
 * thread.
 */
EXPORT("channelSums")
void channel_sums_of_parts(const double *partial, int parts, float *out, int pixels, int channels,
                           int mean) {
  for (int c = 0; c < channels; c++) {
    double sum = 0.0;
    for (int k = 0; k < parts; k++) sum += partial[2L * channels * k + c];
    out[c] = (float)(mean ? sum / pixels : sum);
  }
}

/*
 * The sums batch norm's gradient needs, per channel: dbeta = sum of dy, and dgamma = sum of
 * dy * (x - mean) / sqrt(variance + epsilon), dy taken as 0 where `mask` (the output of a ReLU
 * fused into the batch norm, or null) is not above 0. In two steps as the moments: the parts'
 * sums of dy and of dy * (x - mean) over their pixels into partial, then channelGradientSums.
 */
EXPORT("channelGradientSumParts")
void channel_gradient_sum_parts(const float *x, const float *dy, const float *mask,
                                const float *mean, double *partial, int pixels, int channels,
                                int part, int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  double *sum_dy = partial + 2L * channels * part, *sum_dy_x = sum_dy + channels;
  const long first = (long)begin * channels;
  for (int c0 = 0; c0 < channels; c0 += CHANNEL_BLOCK) {
    const int width = channels - c0 < CHANNEL_BLOCK ? channels - c0 : CHANNEL_BLOCK;
    channel_sums(x + first, dy + first, mask ? mask + first : 0, mean, end - begin, channels, c0,
                 width, sum_dy + c0, sum_dy_x + c0);
  }
}

EXPORT("channelGradientSums")
void channel_gradient_sums(const double *partial, int parts, const float *variance,
                           const float *epsilon, float *dbeta, float *dgamma, int channels) {
  for (int c = 0; c < channels; c++) {
    double sum_dy = 0.0, sum_dy_x = 0.0;
    for (int k = 0; k < parts; k++) {
      sum_dy += partial[2L * channels * k + c];
      sum_dy_x += partial[2L * channels * k + channels + c];
    }
    dbeta[c] = (float)sum_dy;
    dgamma[c] = (float)(sum_dy_x / __builtin_sqrt((double)variance[c] + *epsilon));
  }
}

/*
 * The moving averages batch norm keeps, as tfjs's layer updates them from the batch's mean and
 * variance: moving - (moving - batch) * k per channel, k = 1 - momentum (a float in memory), each
 * operation rounded to a float as tfjs's Sub, Mul and Sub round them. One thread.
 */
EXPORT("movingAverages")
void moving_averages(const float *mean, const float *variance, const float *moving_mean,
                     const float *moving_variance, const float *k, float *new_mean,
                     float *new_variance, int channels) {
  for (int c = 0; c < channels; c++) {
    new_mean[c] = moving_mean[c] - (moving_mean[c] - mean[c]) * *k;
    new_variance[c] = moving_variance[c] - (moving_variance[c] - variance[c]) * *k;
  }
}

/*
 * coefficients (3 * channels floats) of batch norm's input gradient, dx = a * dy + b * x + d per
 * channel, from channelGradientSums' sums: with r = 1 / sqrt(variance + epsilon) and n pixels,
 * dx = gamma * r * (dy - dbeta / n - (x - mean) * r * dgamma / n). One thread.
 */
EXPORT("batchNormGradientCoefficients")
void batch_norm_gradient_coefficients(const float *mean, const float *variance,
                                      const float *gamma, const float *epsilon,
                                      const float *dbeta, const float *dgamma, float *coefficients,
                                      int pixels, int channels) {
  for (int c = 0; c < channels; c++) {
    const double r = 1.0 / __builtin_sqrt((double)variance[c] + *epsilon);
    const double g = gamma ? gamma[c] : 1.0;
    const double b = -g * r * r * dgamma[c] / pixels;
    coefficients[c] = (float)(g * r);
    coefficients[channels + c] = (float)b;
    coefficients[2 * channels + c] = (float)(-g * r * dbeta[c] / pixels - b * mean[c]);
  }
}

/*
 * dx = a * dy + b * x + d per channel (batchNormGradientCoefficients), dy taken as 0 where `mask`
 * (or null) is not above 0, as in channelGradientSums. Parts share the pixels.
 */
EXPORT("batchNormInputGradient")
void batch_norm_input_gradient(const float *x, const float *dy, const float *mask,
                               const float *coefficients, float *dx, int pixels, int channels,
                               int part, int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  const float *a = coefficients, *b = coefficients + channels, *d = coefficients + 2 * channels;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int p = begin; p < end; p++) {
    const float *xs = x + (long)p * channels, *gs = dy + (long)p * channels;
    const float *ms = mask ? mask + (long)p * channels : 0;
    float *out = dx + (long)p * channels;
    int c = 0;
    for (; c + 4 <= channels; c += 4) {
      v128_t g = wasm_v128_load(gs + c);
      if (ms) g = wasm_v128_and(g, wasm_f32x4_gt(wasm_v128_load(ms + c), zero));
      const v128_t u = wasm_f32x4_mul(wasm_v128_load(a + c), g);
      const v128_t v = wasm_f32x4_mul(wasm_v128_load(b + c), wasm_v128_load(xs + c));
      wasm_v128_store(out + c, wasm_f32x4_add(wasm_f32x4_add(u, v), wasm_v128_load(d + c)));
    }
    for (; c < channels; c++) {
      const float g = ms && !(ms[c] > 0.0f) ? 0.0f : gs[c];
      out[c] = a[c] * g + b[c] * xs[c] + d[c];
    }
  }
}

/*
 * out = rows of x, each `length` floats: row r = (i * count1 + j) * count2 + k starts at
 * x + i * stride0 + j * stride1 + k * stride2 (strides in floats). A slice of a tensor of up to 4
 * axes (the gradient of DenseNet's zero padding, say), row by row; parts share the rows.
 */
EXPORT("gatherRows")
void gather_rows(const float *x, float *out, int length, int count0, int count1, int count2,
                 int stride0, int stride1, int stride2, int part, int parts) {
  int begin, end;
  share(count0 * count1 * count2, part, parts, &begin, &end);
  for (int r = begin; r < end; r++) {
    const int k = r % count2, j = (r / count2) % count1, i = r / count2 / count1;
    const float *from = x + (long)i * stride0 + (long)j * stride1 + (long)k * stride2;
    __builtin_memcpy(out + (long)r * length, from, (unsigned long)length * sizeof(float));
  }
}
