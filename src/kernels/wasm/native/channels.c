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
