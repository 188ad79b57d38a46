/*
 * Adam's update of every variable of a model in one call, for tfjs-backend-wasm, on the backend's
 * own memory (see filter_gradient.c for how these modules are built and loaded). tfjs's Adam is 14
 * elementwise operations per variable, each a kernel call with its own JavaScript around it:
 * about 5,000 a DenseNet-121 step. This is one, which threads share (see threads.ts).
 *
 * For each variable, with float32 arithmetic in tfjs's order (each product and sum rounded, no
 * fused multiply-add), so that the result is the one tfjs computes:
 *   m' = m * beta1 + g * (1 - beta1)
 *   v' = v * beta2 + (g * g) * (1 - beta2)
 *   value' = ((m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon)) * -rate + value
 */
#define EXPORT(name) __attribute__((export_name(name)))

/* tfjs rounds every product before a sum: no contraction into fused multiply-adds here. */
#pragma clang fp contract(off)

/* One variable: where its tensors are (byte addresses) and how many floats each holds. */
typedef struct {
  const float *value, *m, *v, *gradient;
  float *new_value, *new_m, *new_v;
  int size;
} Variable;

/* The scalars, in this order in memory. */
typedef struct {
  float beta1, one_minus_beta1, beta2, one_minus_beta2;
  float correction1, correction2; /* 1 - beta1^t, 1 - beta2^t */
  float epsilon, negative_rate;
} Scalars;

/*
 * Updates `count` variables. The parts share the variables' elements taken end to end: part
 * `part` of `parts` updates its share of them, whichever variables they fall in.
 */
EXPORT("adam")
void adam(const Variable *variables, int count, const Scalars *s, int part, int parts) {
  long long total = 0;
  for (int k = 0; k < count; k++) total += variables[k].size;
  const long long begin = total * part / parts, end = total * (part + 1) / parts;
  long long first = 0; /* the first element of variable k, counted end to end */
  for (int k = 0; k < count && first < end; first += variables[k].size, k++) {
    const Variable *x = &variables[k];
    const long long a = begin > first ? begin - first : 0;
    const long long b = end < first + x->size ? end - first : x->size;
    for (long long i = a; i < b; i++) {
      const float g = x->gradient[i];
      const float m = x->m[i] * s->beta1 + g * s->one_minus_beta1;
      const float v = x->v[i] * s->beta2 + (g * g) * s->one_minus_beta2;
      const float step = (m / s->correction1) / (__builtin_sqrtf(v / s->correction2) + s->epsilon);
      x->new_m[i] = m;
      x->new_v[i] = v;
      x->new_value[i] = step * s->negative_rate + x->value[i];
    }
  }
}
