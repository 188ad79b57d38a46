/**
 * Calibration of the classifier's probabilities, fitted on the validation split: temperature
 * scaling (Guo et al., 2017) with a bias per class (bias-corrected temperature scaling,
 * Alexandari et al., 2020). Each row becomes softmax(log p / T + b), with T and b chosen to
 * minimise the negative log-likelihood of the validation labels.
 *
 * The temperature alone makes the scores more or less confident; it cannot fix the classes'
 * shares. The app trains on classes oversampled to equal counts (or weighted to the same effect),
 * so the raw scores carry equal priors where the data have 75% nevi: melanoma is overstated for
 * every image. The biases are that prior correction (for a prior shift alone, b_c = log of the
 * true prior over the training one), learned from the validation split rather than assumed.
 * They can change an image's most probable class, and (with three classes) a melanoma-vs-rest
 * score's ranking a little, which is why the Evaluation stage shows its figures before and after.
 *
 * The app stores probabilities, not logits; log p differs from the logits by a per-image constant,
 * which the softmax ignores. The NLL is convex in (1/T, b), so Newton's method finds the optimum in
 * a few steps. Pure TypeScript, no tfjs.
 */
import { CLASSES } from '../dataset/types.ts';

/** Probabilities below this are treated as this (log 0 is not a logit). */
const FLOOR = 1e-12;
/** The range allowed for T: from much sharper to much softer than the model. */
export const TEMPERATURE_RANGE = [0.05, 20] as const;
/** A small ridge on the biases: keeps the Newton system well posed when a class is rare. */
const RIDGE = 1e-6;

/** What a calibration applies: softmax(log p / temperature + biases). */
export interface Calibrator {
  temperature: number;
  /**
   * One per class, in CLASSES order, added after the temperature; only their differences matter
   * (the first is fitted as 0). Absent: none (temperature scaling alone, as records before them).
   */
  biases?: readonly number[];
}

/** Each row of `probabilities` (`classes` per image) as softmax(log p / temperature + biases). */
export function applyCalibration(
  probabilities: ArrayLike<number>,
  { temperature, biases }: Calibrator,
  classes: number = CLASSES.length,
): Float32Array {
  if (!(temperature > 0))
    throw new RangeError(`A temperature must be positive, got ${temperature}`);
  if (biases && biases.length !== classes)
    throw new RangeError(`${classes} classes need ${classes} biases, got ${biases.length}`);
  const out = new Float32Array(probabilities.length);
  const logits = new Float64Array(classes);
  for (let row = 0; row < probabilities.length; row += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const logit =
        Math.log(Math.max(Number(probabilities[row + c]), FLOOR)) / temperature +
        (biases?.[c] ?? 0);
      logits[c] = logit;
      if (logit > max) max = logit;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((logits[c] as number) - max);
    for (let c = 0; c < classes; c++) out[row + c] = Math.exp((logits[c] as number) - max) / sum;
  }
  return out;
}

/** Mean negative log-likelihood of the labels under the calibrated probabilities. */
export function calibratedLoss(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  calibrator: Calibrator,
  classes: number = CLASSES.length,
): number {
  const calibrated = applyCalibration(probabilities, calibrator, classes);
  let loss = 0;
  labels.forEach((label, i) => {
    loss -= Math.log(Math.max(calibrated[i * classes + label] as number, FLOOR));
  });
  return loss / labels.length;
}

/**
 * The validation problem in the parameters θ = (1/T, b_1 … b_{C-1}) (b_0 = 0), or θ = (1/T) alone:
 * the mean NLL, its gradient and Hessian at θ. Rows are log p shifted so their largest is 0.
 */
class CalibrationObjective {
  private readonly logs: Float64Array;
  readonly size: number;

  constructor(
    private readonly labels: readonly number[],
    probabilities: ArrayLike<number>,
    private readonly classes: number,
    withBiases: boolean,
  ) {
    this.size = withBiases ? classes : 1;
    this.logs = new Float64Array(probabilities.length);
    for (let row = 0; row < probabilities.length; row += classes) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) {
        const log = Math.log(Math.max(Number(probabilities[row + c]), FLOOR));
        this.logs[row + c] = log;
        if (log > max) max = log;
      }
      for (let c = 0; c < classes; c++) (this.logs[row + c] as number) -= max;
    }
  }

  /** The softmax of row `i` at θ into `q`; returns log of its normaliser minus the label's logit. */
  private row(theta: Float64Array, i: number, q: Float64Array): number {
    const { classes } = this;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const z = (theta[0] as number) * (this.logs[i * classes + c] as number) + this.bias(theta, c);
      q[c] = z;
      if (z > max) max = z;
    }
    const label = this.labels[i] as number;
    const labelLogit = q[label] as number;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += q[c] = Math.exp((q[c] as number) - max);
    for (let c = 0; c < classes; c++) (q[c] as number) /= sum;
    return max + Math.log(sum) - labelLogit;
  }

  private bias(theta: Float64Array, c: number): number {
    return this.size > 1 && c > 0 ? (theta[c] as number) : 0;
  }

  loss(theta: Float64Array): number {
    const q = new Float64Array(this.classes);
    let loss = 0;
    for (let i = 0; i < this.labels.length; i++) loss += this.row(theta, i, q);
    let ridge = 0;
    for (let k = 1; k < this.size; k++) ridge += (theta[k] as number) ** 2;
    return loss / this.labels.length + (RIDGE / 2) * ridge;
  }

  /** Gradient and Hessian (row-major, size²) of `loss` at θ. */
  derivatives(theta: Float64Array): { gradient: Float64Array; hessian: Float64Array } {
    const { classes, size } = this;
    const n = this.labels.length;
    const q = new Float64Array(classes);
    const gradient = new Float64Array(size);
    const hessian = new Float64Array(size * size);
    // d z_c / dθ: x_c for θ_0, and [c = k] for θ_k (k ≥ 1).
    const jacobian = new Float64Array(classes * size);
    for (let i = 0; i < n; i++) {
      this.row(theta, i, q);
      const label = this.labels[i] as number;
      for (let c = 0; c < classes; c++) {
        jacobian[c * size] = this.logs[i * classes + c] as number;
        for (let k = 1; k < size; k++) jacobian[c * size + k] = c === k ? 1 : 0;
      }
      // gradient += J^T (q - y); Hessian += J^T (diag q - q q^T) J.
      for (let k = 0; k < size; k++) {
        let g = 0;
        let mean = 0;
        for (let c = 0; c < classes; c++) {
          const j = jacobian[c * size + k] as number;
          g += ((q[c] as number) - (c === label ? 1 : 0)) * j;
          mean += (q[c] as number) * j;
        }
        gradient[k] = (gradient[k] as number) + g;
        for (let l = 0; l <= k; l++) {
          let h = 0;
          let meanL = 0;
          for (let c = 0; c < classes; c++) {
            const jl = jacobian[c * size + l] as number;
            h += (q[c] as number) * (jacobian[c * size + k] as number) * jl;
            meanL += (q[c] as number) * jl;
          }
          hessian[k * size + l] = (hessian[k * size + l] as number) + h - mean * meanL;
        }
      }
    }
    for (let k = 0; k < size; k++) {
      gradient[k] = (gradient[k] as number) / n + (k > 0 ? RIDGE * (theta[k] as number) : 0);
      for (let l = 0; l <= k; l++) {
        const h = (hessian[k * size + l] as number) / n + (k === l && k > 0 ? RIDGE : 0);
        hessian[k * size + l] = h;
        hessian[l * size + k] = h;
      }
    }
    return { gradient, hessian };
  }
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

/** θ_0 = 1/T must keep T within TEMPERATURE_RANGE. */
const inRange = (theta: Float64Array) =>
  (theta[0] as number) >= 1 / TEMPERATURE_RANGE[1] &&
  (theta[0] as number) <= 1 / TEMPERATURE_RANGE[0];

/** Damped Newton from the identity (T 1, biases 0): each step halves until the loss falls. */
function minimise(objective: CalibrationObjective): Float64Array {
  let theta = new Float64Array(objective.size);
  theta[0] = 1;
  let loss = objective.loss(theta);
  for (let iteration = 0; iteration < 100; iteration++) {
    const { gradient, hessian } = objective.derivatives(theta);
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
      if (!inRange(next)) continue;
      const nextLoss = objective.loss(next);
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

/**
 * The temperature and per-class biases that minimise the validation NLL. The biases are fitted
 * only when every class has a validation label (with a class absent, its bias would run off to
 * minus infinity); otherwise the temperature alone. With no labels, the identity (T 1, no biases).
 */
export function fitCalibration(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  classes: number = CLASSES.length,
): Calibrator {
  if (labels.length === 0) return { temperature: 1 };
  if (probabilities.length !== labels.length * classes) {
    throw new RangeError(
      `${labels.length} labels need ${labels.length * classes} probabilities, got ${probabilities.length}`,
    );
  }
  // A diverged model's scores give no calibration (the caller reports it as none).
  for (let i = 0; i < probabilities.length; i++)
    if (!Number.isFinite(Number(probabilities[i]))) return { temperature: NaN };
  const present = new Set(labels);
  const withBiases = Array.from({ length: classes }, (_, c) => present.has(c)).every(Boolean);
  const theta = minimise(new CalibrationObjective(labels, probabilities, classes, withBiases));
  const temperature = 1 / (theta[0] as number);
  if (!withBiases) return { temperature };
  return {
    temperature,
    biases: Array.from({ length: classes }, (_, c) => (c === 0 ? 0 : (theta[c] as number))),
  };
}

/** The calibrations of one set of predictions: of the plain view, and of the 8-view mean. */
export interface Temperatures {
  temperature: number;
  /** With `temperature`: the plain view's per-class biases; absent in records before them. */
  biases?: number[];
  ttaTemperature?: number;
  ttaBiases?: number[];
}

/** The plain or the 8-view calibration of stored temperatures; null where none was fitted. */
export function calibratorOf(fitted: Temperatures | undefined, tta: boolean): Calibrator | null {
  if (!fitted) return null;
  if (tta) {
    if (fitted.ttaTemperature === undefined) return null;
    return {
      temperature: fitted.ttaTemperature,
      ...(fitted.ttaBiases ? { biases: fitted.ttaBiases } : {}),
    };
  }
  return { temperature: fitted.temperature, ...(fitted.biases ? { biases: fitted.biases } : {}) };
}

/**
 * Both calibrations fitted on validation predictions (the 8-view one only where they are given);
 * undefined without labels or when the plain fit is not a number (a diverged model).
 */
export function fitTemperatures({
  labels,
  probabilities,
  ttaProbabilities,
}: {
  labels: readonly number[];
  probabilities: ArrayLike<number>;
  ttaProbabilities?: ArrayLike<number>;
}): Temperatures | undefined {
  if (labels.length === 0) return undefined;
  const finite = (c: Calibrator) =>
    Number.isFinite(c.temperature) && (c.biases ?? []).every(Number.isFinite);
  const plain = fitCalibration(labels, probabilities);
  if (!finite(plain)) return undefined;
  const fitted: Temperatures = {
    temperature: plain.temperature,
    ...(plain.biases ? { biases: [...plain.biases] } : {}),
  };
  const tta = ttaProbabilities ? fitCalibration(labels, ttaProbabilities) : undefined;
  if (!tta || !finite(tta)) return fitted;
  return {
    ...fitted,
    ttaTemperature: tta.temperature,
    ...(tta.biases ? { ttaBiases: [...tta.biases] } : {}),
  };
}
