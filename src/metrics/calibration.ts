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
 * a few steps (softmaxRegression.ts). Pure TypeScript, no tfjs.
 *
 * Where the dataset gives clinical data (age, sex, body site, the lesion's measures), a second
 * calibration also weighs each image's clinical log-probabilities (clinical.ts, fitted on the train split): softmax(log p / T + b + w g),
 * with w fitted on validation beside T and b. It is kept beside the image-only one, so the
 * Evaluation stage shows both and Diagnose uses it for a photo whose clinical data it has.
 */
import { CLASSES } from '../dataset/types.ts';
import type { ClinicalModel } from './clinical.ts';
import { fitSoftmax } from './softmaxRegression.ts';

/** Probabilities below this are treated as this (log 0 is not a logit). */
const FLOOR = 1e-12;
/** The range allowed for T: from much sharper to much softer than the model. */
export const TEMPERATURE_RANGE = [0.05, 20] as const;
/** log p, with p floored at FLOOR. */
const logOf = (p: number) => Math.log(Math.max(Number(p), FLOOR));
/** A small ridge on the biases: keeps the Newton system well posed when a class is rare. */
const RIDGE = 1e-6;
/**
 * The ridge on the clinical weight against the mean NLL is this over the validation images: a
 * standard normal prior, which keeps the weight finite where clinical data separate a small
 * validation split perfectly (the demo's 20 images gave 21 without it) and is negligible on a large
 * one (0.0007 on HAM10000's 1,338).
 */
const WEIGHT_PRIOR = 1;

/** What a calibration applies: softmax(log p / temperature + biases + clinicalWeight · g). */
export interface Calibrator {
  temperature: number;
  /**
   * One per class, in CLASSES order, added after the temperature; only their differences matter
   * (the first is fitted as 0). Absent: none (temperature scaling alone, as records before them).
   */
  biases?: readonly number[];
  /**
   * The weight of each image's clinical log-probabilities g (clinical.ts), where the calibration
   * uses clinical data; absent: it does not, and takes none.
   */
  clinicalWeight?: number;
}

/**
 * Each row of `probabilities` (`classes` per image) as softmax(log p / temperature + biases +
 * clinicalWeight · g), g the image's row of `clinical` (needed where the calibrator weighs it).
 */
export function applyCalibration(
  probabilities: ArrayLike<number>,
  { temperature, biases, clinicalWeight }: Calibrator,
  classes: number = CLASSES.length,
  clinical?: ArrayLike<number>,
): Float32Array {
  if (!(temperature > 0))
    throw new RangeError(`A temperature must be positive, got ${temperature}`);
  if (biases && biases.length !== classes)
    throw new RangeError(`${classes} classes need ${classes} biases, got ${biases.length}`);
  if (clinicalWeight !== undefined && clinical?.length !== probabilities.length) {
    throw new RangeError(
      `This calibration weighs clinical data: ${probabilities.length} probabilities need as many clinical log-probabilities, got ${clinical?.length ?? 'none'}`,
    );
  }
  const out = new Float32Array(probabilities.length);
  const logits = new Float64Array(classes);
  for (let row = 0; row < probabilities.length; row += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const logit =
        logOf(probabilities[row + c] as number) / temperature +
        (biases?.[c] ?? 0) +
        (clinicalWeight === undefined ? 0 : clinicalWeight * Number(clinical?.[row + c]));
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
  clinical?: ArrayLike<number>,
): number {
  const calibrated = applyCalibration(probabilities, calibrator, classes, clinical);
  let loss = 0;
  labels.forEach((label, i) => {
    loss -= logOf(calibrated[i * classes + label] as number);
  });
  return loss / labels.length;
}

/**
 * The calibration as a softmax regression (softmaxRegression.ts) in θ = (1/T, w, b_1 … b_{C-1}):
 * row i's logit of class c is θ_0 log p_ic + w g_ic + b_c, with b_0 = 0 and w only where clinical
 * log-probabilities g are given, b only `withBiases`. Rows of log p are shifted so their largest
 * is 0 (the softmax ignores a row's constant).
 */
function calibrationProblem(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  classes: number,
  withBiases: boolean,
  clinical: ArrayLike<number> | undefined,
) {
  const weighs = clinical !== undefined;
  const first = weighs ? 2 : 1;
  const size = first + (withBiases ? classes - 1 : 0);
  const design = new Float64Array(labels.length * classes * size);
  for (let i = 0; i < labels.length; i++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      const at = (i * classes + c) * size;
      design[at] = logOf(probabilities[i * classes + c] as number);
      max = Math.max(max, design[at] as number);
      if (weighs) design[at + 1] = Number(clinical[i * classes + c]);
      if (withBiases && c > 0) design[at + first + c - 1] = 1;
    }
    for (let c = 0; c < classes; c++) (design[(i * classes + c) * size] as number) -= max;
  }
  const ridge = Array.from({ length: size }, (_, k) =>
    k >= first ? RIDGE : k === 1 ? WEIGHT_PRIOR / labels.length : 0,
  );
  return { problem: { design, labels, classes, size, ridge }, first };
}

/** θ_0 = 1/T must keep T within TEMPERATURE_RANGE. */
const inRange = (theta: Float64Array) =>
  (theta[0] as number) >= 1 / TEMPERATURE_RANGE[1] &&
  (theta[0] as number) <= 1 / TEMPERATURE_RANGE[0];

/**
 * The temperature and per-class biases (and, given each image's clinical log-probabilities, their
 * weight) that minimise the validation NLL, from the identity (T 1, biases 0, weight 0). The biases
 * are fitted only when every class has a validation label (with a class absent, its bias would run
 * off to minus infinity); otherwise the temperature (and weight) alone. With no labels, the
 * identity (T 1, no biases).
 */
export function fitCalibration(
  labels: readonly number[],
  probabilities: ArrayLike<number>,
  classes: number = CLASSES.length,
  clinical?: ArrayLike<number>,
): Calibrator {
  if (labels.length === 0) return { temperature: 1 };
  if (probabilities.length !== labels.length * classes) {
    throw new RangeError(
      `${labels.length} labels need ${labels.length * classes} probabilities, got ${probabilities.length}`,
    );
  }
  if (clinical && clinical.length !== probabilities.length) {
    throw new RangeError(
      `${labels.length} labels need ${probabilities.length} clinical log-probabilities, got ${clinical.length}`,
    );
  }
  // A diverged model's scores give no calibration (the caller reports it as none).
  for (let i = 0; i < probabilities.length; i++)
    if (!Number.isFinite(Number(probabilities[i]))) return { temperature: NaN };
  const present = new Set(labels);
  const withBiases = Array.from({ length: classes }, (_, c) => present.has(c)).every(Boolean);
  const { problem, first } = calibrationProblem(
    labels,
    probabilities,
    classes,
    withBiases,
    clinical,
  );
  const start = new Float64Array(problem.size);
  start[0] = 1;
  const theta = fitSoftmax(problem, start, inRange);
  return {
    temperature: 1 / (theta[0] as number),
    ...(withBiases
      ? {
          biases: Array.from({ length: classes }, (_, c) =>
            c === 0 ? 0 : (theta[first + c - 1] as number),
          ),
        }
      : {}),
    ...(clinical ? { clinicalWeight: theta[1] as number } : {}),
  };
}

/** The calibrations that also weigh clinical data, and the clinical model they read. */
export interface ClinicalCalibration {
  model: ClinicalModel;
  /** Of the plain view, with `clinicalWeight`. */
  plain: Calibrator;
  /** Of the 8-view mean, where it was fitted. */
  tta?: Calibrator;
}

/** The calibrations of one set of predictions: of the plain view, and of the 8-view mean. */
export interface Temperatures {
  temperature: number;
  /** With `temperature`: the plain view's per-class biases; absent in records before them. */
  biases?: number[];
  ttaTemperature?: number;
  ttaBiases?: number[];
  /** Both again with clinical data; absent where the dataset gives none (or older records). */
  clinical?: ClinicalCalibration;
}

/**
 * The plain or the 8-view calibration of stored temperatures, image-only or (`clinical`) with
 * clinical data; null where none was fitted.
 */
export function calibratorOf(
  fitted: Temperatures | undefined,
  tta: boolean,
  clinical = false,
): Calibrator | null {
  if (!fitted) return null;
  if (clinical) return (tta ? fitted.clinical?.tta : fitted.clinical?.plain) ?? null;
  if (tta) {
    if (fitted.ttaTemperature === undefined) return null;
    return {
      temperature: fitted.ttaTemperature,
      ...(fitted.ttaBiases ? { biases: fitted.ttaBiases } : {}),
    };
  }
  return { temperature: fitted.temperature, ...(fitted.biases ? { biases: fitted.biases } : {}) };
}

const finite = (c: Calibrator) =>
  Number.isFinite(c.temperature) &&
  (c.biases ?? []).every(Number.isFinite) &&
  (c.clinicalWeight === undefined || Number.isFinite(c.clinicalWeight));

/**
 * Both calibrations fitted on validation predictions (the 8-view one only where they are given),
 * and both again with each image's clinical log-probabilities where a clinical model gives them;
 * undefined without labels or when the plain fit is not a number (a diverged model).
 */
export function fitTemperatures({
  labels,
  probabilities,
  ttaProbabilities,
  clinical,
}: {
  labels: readonly number[];
  probabilities: ArrayLike<number>;
  ttaProbabilities?: ArrayLike<number>;
  clinical?: { model: ClinicalModel; logs: ArrayLike<number> };
}): Temperatures | undefined {
  if (labels.length === 0) return undefined;
  const plain = fitCalibration(labels, probabilities);
  if (!finite(plain)) return undefined;
  const fitted: Temperatures = {
    temperature: plain.temperature,
    ...(plain.biases ? { biases: [...plain.biases] } : {}),
  };
  const tta = ttaProbabilities ? fitCalibration(labels, ttaProbabilities) : undefined;
  if (tta && finite(tta)) {
    fitted.ttaTemperature = tta.temperature;
    if (tta.biases) fitted.ttaBiases = [...tta.biases];
  }
  if (clinical) {
    const withData = fitCalibration(labels, probabilities, CLASSES.length, clinical.logs);
    const ttaWithData =
      ttaProbabilities && fitted.ttaTemperature !== undefined
        ? fitCalibration(labels, ttaProbabilities, CLASSES.length, clinical.logs)
        : undefined;
    if (finite(withData)) {
      fitted.clinical = {
        model: clinical.model,
        plain: withData,
        ...(ttaWithData && finite(ttaWithData) ? { tta: ttaWithData } : {}),
      };
    }
  }
  return fitted;
}
