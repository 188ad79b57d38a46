/*
 * Per-channel and elementwise kernels for tfjs-backend-wasm, on the backend's own memory (see
 * filter_gradient.c for how these modules are built and loaded), for the work of a training step
 * that is not convolution: the batch-norm normalisation, the split of DenseNet's concatenation
 * gradient along channels, and large elementwise products, sums and differences. tfjs runs these on
 * one thread (its SplitV copies element by element); here threads share them (see threads.ts).
 * Tensors are [pixels, channels], channels last.
 *
 * Part `part` of `parts` takes its share of the pixels (or of the elements), so parts write
 * disjoint parts of every output. Each output element is computed as tfjs computes it, one
 * multiplication and one addition apart (no fused multiply-add), so results do not depend on the
 * number of parts.
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

/* y = x * a + b per channel, a and b from batchNormCoefficients. */
EXPORT("scaleShift")
void scale_shift(const float *x, const float *coefficients, float *y, int pixels, int channels,
                 int part, int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  const float *a = coefficients, *b = coefficients + channels;
  for (int p = begin; p < end; p++) {
    const float *in = x + (long)p * channels;
    float *out = y + (long)p * channels;
    int c = 0;
    for (; c + 4 <= channels; c += 4) {
      const v128_t v = wasm_f32x4_mul(wasm_v128_load(in + c), wasm_v128_load(a + c));
      wasm_v128_store(out + c, wasm_f32x4_add(v, wasm_v128_load(b + c)));
    }
    for (; c < channels; c++) out[c] = in[c] * a[c] + b[c];
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

/* The elementwise operations of `elementwise`. */
enum { MULTIPLY = 0, ADD = 1, SUBTRACT = 2 };

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
  }
}

/*
 * out = a op b over n elements, b of the same size, or with `period` > 0 a vector of `period`
 * elements repeated along a (a per-channel vector; n a multiple of period). Parts share the rows
 * of `period` elements (of 1024 where b is as long as a).
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

/*
 * The batch's mean and variance per channel, as batch norm in training takes them: the mean, then
 * the mean of the squared deviations from it (the variance of the batch, not an estimate). Sums in
 * doubles. Part `part` of `parts` takes its share of the channels.
 */
EXPORT("channelMoments")
void channel_moments(const float *x, float *mean, float *variance, int pixels, int channels,
                     int part, int parts) {
  int c_begin, c_end;
  share(channels, part, parts, &c_begin, &c_end);
  double sum[CHANNEL_BLOCK];
  for (int c0 = c_begin; c0 < c_end; c0 += CHANNEL_BLOCK) {
    const int width = c_end - c0 < CHANNEL_BLOCK ? c_end - c0 : CHANNEL_BLOCK;
    for (int c = 0; c < width; c++) sum[c] = 0.0;
    for (int p = 0; p < pixels; p++) {
      const float *row = x + (long)p * channels + c0;
      for (int c = 0; c < width; c++) sum[c] += row[c];
    }
    for (int c = 0; c < width; c++) mean[c0 + c] = (float)(sum[c] / pixels);
    for (int c = 0; c < width; c++) sum[c] = 0.0;
    for (int p = 0; p < pixels; p++) {
      const float *row = x + (long)p * channels + c0;
      for (int c = 0; c < width; c++) {
        const float d = row[c] - mean[c0 + c];
        sum[c] += (double)(d * d);
      }
    }
    for (int c = 0; c < width; c++) variance[c0 + c] = (float)(sum[c] / pixels);
  }
}

/*
 * The sums batch norm's gradient needs, per channel: dbeta = sum of dy, and dgamma = sum of
 * dy * (x - mean) / sqrt(variance + epsilon). Parts share the channels.
 */
EXPORT("channelGradientSums")
void channel_gradient_sums(const float *x, const float *dy, const float *mean,
                           const float *variance, const float *epsilon, float *dbeta,
                           float *dgamma, int pixels, int channels, int part, int parts) {
  int c_begin, c_end;
  share(channels, part, parts, &c_begin, &c_end);
  double sum_dy[CHANNEL_BLOCK], sum_dy_x[CHANNEL_BLOCK];
  for (int c0 = c_begin; c0 < c_end; c0 += CHANNEL_BLOCK) {
    const int width = c_end - c0 < CHANNEL_BLOCK ? c_end - c0 : CHANNEL_BLOCK;
    for (int c = 0; c < width; c++) sum_dy[c] = sum_dy_x[c] = 0.0;
    for (int p = 0; p < pixels; p++) {
      const float *xs = x + (long)p * channels + c0, *gs = dy + (long)p * channels + c0;
      for (int c = 0; c < width; c++) {
        sum_dy[c] += gs[c];
        sum_dy_x[c] += (double)gs[c] * (double)(xs[c] - mean[c0 + c]);
      }
    }
    for (int c = 0; c < width; c++) {
      dbeta[c0 + c] = (float)sum_dy[c];
      dgamma[c0 + c] = (float)(sum_dy_x[c] / __builtin_sqrt((double)variance[c0 + c] + *epsilon));
    }
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

/* dx = a * dy + b * x + d per channel (batchNormGradientCoefficients). Parts share the pixels. */
EXPORT("batchNormInputGradient")
void batch_norm_input_gradient(const float *x, const float *dy, const float *coefficients,
                               float *dx, int pixels, int channels, int part, int parts) {
  int begin, end;
  share(pixels, part, parts, &begin, &end);
  const float *a = coefficients, *b = coefficients + channels, *d = coefficients + 2 * channels;
  for (int p = begin; p < end; p++) {
    const float *xs = x + (long)p * channels, *gs = dy + (long)p * channels;
    float *out = dx + (long)p * channels;
    int c = 0;
    for (; c + 4 <= channels; c += 4) {
      const v128_t u = wasm_f32x4_mul(wasm_v128_load(a + c), wasm_v128_load(gs + c));
      const v128_t v = wasm_f32x4_mul(wasm_v128_load(b + c), wasm_v128_load(xs + c));
      wasm_v128_store(out + c, wasm_f32x4_add(wasm_f32x4_add(u, v), wasm_v128_load(d + c)));
    }
    for (; c < channels; c++) out[c] = a[c] * gs[c] + b[c] * xs[c] + d[c];
  }
}
