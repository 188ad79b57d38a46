/**
 * Temperature scaling (Guo et al., 2017): one scalar T divides the classifier's logits before the
 * softmax, fitted on the validation split by minimising the negative log-likelihood. It changes
 * how confident the scores are and never an image's most probable class; with three classes a
 * one-vs-rest score is not a function of itself alone (p_m^(1/T) / sum_k p_k^(1/T)), so AUCs
 * can move slightly, which is why the Evaluation stage shows its figures before and after.
 * The app stores probabilities, not logits; log p differs from the logits by a per-image constant,
 * which the softmax ignores, so softmax(log p / T) is the calibrated row. Pure TypeScript, no tfjs.
 */
import { CLASSES } from '../dataset/types.ts';

/** Probabilities below this are treated as this (log 0 is not a logit). */
const FLOOR = 1e-12;
/** The range searched for T: from much sharper to much softer than the model. */
export const TEMPERATURE_RANGE = [0.05, 20] as const;

/** Each row of `probabilities` (`classes` per image) as softmax(log p / temperature). */
export function applyTemperature(
  probabilities: ArrayLike<number>,
  temperature: number,
  classes: number = CLASSES.length,
): Float32Array {
  if (!(temperature > 0))
    throw new RangeError(`A temperature must be positive, got ${temperature}`);
  const out = new Float32Array(probabilities.length);
  const logits = new Float64Array(classes);
  for (let row = 0; row < probabilities.length; row += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const logit = Math.log(Math.max(Number(probabilities[row + c]), FLOOR)) / temperature;
      logits[c] = logit;
      if (logit > max) max = logit;
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((logits[c] as number) - max);
    for (let c = 0; c < classes; c++) out[row + c] = Math.exp((logits[c] as number) - max) / sum;
  }
  return out;
}

/** Mean negative log-likelihood of the labels under the tempered probabilities. */
export function temperedLoss(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  temperature: number,
  classes: number = CLASSES.length,
): number {
  const tempered = applyTemperature(probabilities, temperature, classes);
  let loss = 0;
  labels.forEach((label, i) => {
    loss -= Math.log(Math.max(tempered[i * classes + label] as number, FLOOR));
  });
  return loss / labels.length;
}

/**
 * The temperature that minimises the validation NLL, by golden-section search on log T over
 * TEMPERATURE_RANGE (the NLL is convex in 1/T). With no labels, 1 (no change).
 */
export function fitTemperature(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  classes: number = CLASSES.length,
): number {
  if (labels.length === 0) return 1;
  if (probabilities.length !== labels.length * classes) {
    throw new RangeError(
      `${labels.length} labels need ${labels.length * classes} probabilities, got ${probabilities.length}`,
    );
  }
  const loss = (logT: number) => temperedLoss(labels, probabilities, Math.exp(logT), classes);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(TEMPERATURE_RANGE[0]);
  let hi = Math.log(TEMPERATURE_RANGE[1]);
  let a = hi - ratio * (hi - lo);
  let b = lo + ratio * (hi - lo);
  let fa = loss(a);
  let fb = loss(b);
  for (let i = 0; i < 60 && hi - lo > 1e-6; i++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = loss(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = loss(b);
    }
  }
  return Math.exp((lo + hi) / 2);
}

/** The temperatures of one set of predictions: of the plain view, and of the 8-view mean. */
export interface Temperatures {
  temperature: number;
  ttaTemperature?: number;
}

/**
 * Both temperatures fitted on validation predictions (the 8-view one only where they are given);
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
  const temperature = fitTemperature(labels, probabilities);
  if (!Number.isFinite(temperature)) return undefined;
  const ttaTemperature = ttaProbabilities ? fitTemperature(labels, ttaProbabilities) : NaN;
  return Number.isFinite(ttaTemperature) ? { temperature, ttaTemperature } : { temperature };
}
