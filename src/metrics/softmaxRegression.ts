/**
 * Softmax regression by Newton's method: the one solver behind the calibration (calibration.ts) and
 * the clinical model (clinical.ts). Each row i has a design matrix A_i (classes x parameters) and
 * its class logits are z_i = A_i θ; θ minimises the mean negative log-likelihood of the labels plus
 * a ridge (½ Σ_k ridge_k θ_k²). The objective is convex, so a damped Newton step from any start
 * reaches the optimum in a few iterations; with at most a few dozen parameters the Hessian is
 * small. Pure TypeScript, no tfjs.
 */

export interface SoftmaxProblem {
  /** Rows x classes x size, row-major: row i's design matrix A_i. */
  design: Float64Array;
  labels: readonly number[];
  classes: number;
  /** Parameters. */
  size: number;
  /** One ridge weight per parameter (0: none). */
  ridge: ArrayLike<number>;
}

/** Mean NLL plus ridge at θ; with `derivatives`, its gradient and Hessian (size², row-major). */
function evaluate(
  problem: SoftmaxProblem,
  theta: ArrayLike<number>,
  derivatives: boolean,
): { loss: number; gradient: Float64Array; hessian: Float64Array } {
  const { design, labels, classes, size, ridge } = problem;
  const n = labels.length;
  const z = new Float64Array(classes);
  const q = new Float64Array(classes);
  const mean = new Float64Array(size);
  const gradient = new Float64Array(derivatives ? size : 0);
  const hessian = new Float64Array(derivatives ? size * size : 0);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = i * classes * size;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      let v = 0;
      for (let k = 0; k < size; k++) v += (design[row + c * size + k] as number) * Number(theta[k]);
      z[c] = v;
      if (v > max) max = v;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += q[c] = Math.exp((z[c] as number) - max);
    for (let c = 0; c < classes; c++) (q[c] as number) /= sum;
    const label = labels[i] as number;
    loss += max + Math.log(sum) - (z[label] as number);
    if (!derivatives) continue;
    // gradient += A^T (q - y); Hessian += A^T (diag q - q q^T) A = Σ_c q_c a_c a_c^T - m m^T,
    // with a_c the design's row c and m = A^T q.
    mean.fill(0);
    for (let c = 0; c < classes; c++)
      for (let k = 0; k < size; k++)
        (mean[k] as number) += (q[c] as number) * (design[row + c * size + k] as number);
    for (let k = 0; k < size; k++)
      (gradient[k] as number) += (mean[k] as number) - (design[row + label * size + k] as number);
    for (let c = 0; c < classes; c++) {
      const qc = q[c] as number;
      const a = row + c * size;
      for (let k = 0; k < size; k++) {
        const ak = qc * (design[a + k] as number);
        if (ak === 0) continue;
        for (let l = 0; l <= k; l++)
          (hessian[k * size + l] as number) += ak * (design[a + l] as number);
      }
    }
    for (let k = 0; k < size; k++)
      for (let l = 0; l <= k; l++)
        (hessian[k * size + l] as number) -= (mean[k] as number) * (mean[l] as number);
  }
  let penalty = 0;
  for (let k = 0; k < size; k++) penalty += Number(ridge[k]) * Number(theta[k]) ** 2;
  loss = loss / n + penalty / 2;
  if (derivatives) {
    for (let k = 0; k < size; k++) {
      gradient[k] = (gradient[k] as number) / n + Number(ridge[k]) * Number(theta[k]);
      for (let l = 0; l <= k; l++) {
        const h = (hessian[k * size + l] as number) / n + (k === l ? Number(ridge[k]) : 0);
        hessian[k * size + l] = h;
        hessian[l * size + k] = h;
      }
    }
  }
  return { loss, gradient, hessian };
}

/** Solves `matrix · x = vector` (size² row-major) by Gaussian elimination with partial pivoting. */
function solve(matrix: Float64Array, vector: Float64Array): Float64Array | null {
  const n = vector.length;
  const a = Float64Array.from(matrix);
  const x = Float64Array.from(vector);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r * n + col] as number) > Math.abs(a[pivot * n + col] as number)) pivot = r;
    if (!(Math.abs(a[pivot * n + col] as number) > 1e-300)) return null;
    for (let c = 0; c < n; c++) {
      const t = a[col * n + c] as number;
      a[col * n + c] = a[pivot * n + c] as number;
      a[pivot * n + c] = t;
    }
    [x[col], x[pivot]] = [x[pivot] as number, x[col] as number];
    for (let r = col + 1; r < n; r++) {
      const f = (a[r * n + col] as number) / (a[col * n + col] as number);
      for (let c = col; c < n; c++)
        a[r * n + c] = (a[r * n + c] as number) - f * (a[col * n + c] as number);
      x[r] = (x[r] as number) - f * (x[col] as number);
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r] as number;
    for (let c = r + 1; c < n; c++) s -= (a[r * n + c] as number) * (x[c] as number);
    x[r] = s / (a[r * n + r] as number);
  }
  return x;
}

/** The loss of `problem` at θ (mean NLL plus ridge). */
export const softmaxLoss = (problem: SoftmaxProblem, theta: ArrayLike<number>) =>
  evaluate(problem, theta, false).loss;

/**
 * The θ that minimises the problem's loss: damped Newton from `start`, each step halved until the
 * loss falls (Armijo) and `feasible` holds; stops when a full step would gain under 1e-14.
 */
export function fitSoftmax(
  problem: SoftmaxProblem,
  start: ArrayLike<number>,
  feasible: (theta: Float64Array) => boolean = () => true,
): Float64Array {
  let theta = Float64Array.from(start);
  let loss = softmaxLoss(problem, theta);
  for (let iteration = 0; iteration < 100; iteration++) {
    const { gradient, hessian } = evaluate(problem, theta, true);
    const step = solve(hessian, gradient);
    if (!step) break;
    // The Newton decrement: how much a full step would gain, to second order.
    let decrement = 0;
    for (let k = 0; k < step.length; k++)
      decrement += (step[k] as number) * (gradient[k] as number);
    if (!(decrement > 1e-14)) break;
    let moved = false;
    for (let t = 1; t > 1e-8; t /= 2) {
      const next = theta.map((v, k) => v - t * (step[k] as number));
      if (!feasible(next)) continue;
      const nextLoss = softmaxLoss(problem, next);
      if (nextLoss <= loss - 1e-4 * t * decrement) {
        theta = next;
        loss = nextLoss;
        moved = true;
        break;
      }
    }
    if (!moved) break;
  }
  return theta;
}
