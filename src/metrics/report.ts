/**
 * The Evaluation stage's figures of one split, as `metrics.json` holds them (docs/formats.md, Exports):
 * one-vs-rest AUCs of melanoma and seborrheic keratosis, their mean (the ISIC 2017 Task 3 score),
 * melanoma F1 at the threshold, argmax accuracy, both confusion matrices, melanoma average
 * precision, the calibration error before and after calibration, and the melanoma figures
 * per lesion where a lesion has several images. Undefined figures are null, each with a sentence in
 * `messages` saying why. Pure TypeScript, no tfjs.
 */
import { CLASSES, type Split, MELANOMA, KERATOSIS } from '../dataset/types.ts';
import { bootstrapAuc, type BootstrapOptions, type ConfidenceInterval } from './bootstrap.ts';
import type { Calibrator } from './calibration.ts';
import {
  argmaxAccuracy,
  binaryConfusion,
  confusionMatrix,
  f1Score,
  type BinaryConfusion,
} from './classification.ts';
import { hasRepeatedGroups, perLesion } from './perLesion.ts';
import { averagePrecision } from './precisionRecall.ts';
import { classReliability, topLabelReliability } from './reliability.ts';
import { rocAuc } from './roc.ts';

export { parsePredictionsCsv, predictionsCsv } from './predictionsCsv.ts';

/** One split's predictions: the shape of the classifier's `Predictions` plus the split. */
export interface EvalPredictions {
  /** Image keys (`imageKey`), one per image. */
  keys: string[];
  /** The ids as the dataset spells them (`ISIC_0000000`); `displayId(key)` where absent. */
  ids?: string[];
  split: Split;
  /** Class index per image, in CLASSES order. */
  labels: number[];
  /** `keys.length * 3` probabilities in CLASSES order (nevus, melanoma, seborrheic keratosis). */
  probabilities: ArrayLike<number>;
  /** Each image's licence (`CC-0`, `CC-BY`, `CC-BY-NC`), '' where unknown; absent: all unknown. */
  licences?: string[];
  /** Who to credit for each image, '' where unknown; absent: all unknown. */
  attributions?: string[];
  /** Each image's lesion id, '' where the dataset gives none; absent: none known. */
  groups?: string[];
  /** How `probabilities` were made; absent: the plain single-view predictions, uncalibrated. */
  view?: ProbabilityOrigin;
}

/** Which predictions `probabilities` are: test-time augmented or not, tempered or not. */
export interface ProbabilityOrigin {
  /** The mean over 8 flips and 90° rotations of each image, rather than the image alone. */
  tta: boolean;
  /** The calibration applied to the probabilities (calibration.ts); null: none. */
  calibration: Calibrator | null;
  /** The same predictions before calibration; needed only when `calibration` is not null. */
  uncalibrated?: ArrayLike<number>;
}

/** Melanoma figures per lesion (perLesion.ts), in `metrics.json` as `per_lesion`. */
export interface LesionMetrics {
  melanoma_auc: number | null;
  melanoma_ap: number | null;
  /** Three-class argmax accuracy over lesions. */
  accuracy: number | null;
  images: number;
  lesions: number;
}

/** One split's entry in `metrics.json`; field names are the file's, so snake case. */
export interface SplitMetrics {
  melanoma_auc: number | null;
  seborrheic_keratosis_auc: number | null;
  /** Mean of the two AUCs (ISIC 2017 Task 3); null unless both are defined. */
  mean_auc: number | null;
  /** F1 of melanoma-vs-rest decisions `p_melanoma >= threshold`. */
  melanoma_f1: number | null;
  /** Three-class accuracy of argmax decisions (not the thresholded binary accuracy). */
  accuracy: number | null;
  threshold: number;
  /** 3x3, `confusion[true][predicted]`, rows and columns nevus, melanoma, seborrheic keratosis. */
  confusion: number[][];
  /** Melanoma vs rest at the threshold: `[[tn, fp], [fn, tp]]`. */
  melanoma_confusion: BinaryConfusion;
  /** Melanoma-vs-rest average precision (scikit-learn's `average_precision_score`). */
  melanoma_ap: number | null;
  /** Top-label expected calibration error (15 bins) of the probabilities these figures use. */
  ece: number | null;
  /** The same before calibration; equal to `ece` when none was applied. */
  ece_uncalibrated: number | null;
  /** Melanoma-vs-rest calibration error of `p_melanoma` (15 bins), of the same probabilities. */
  melanoma_ece: number | null;
  /** The temperature applied to the probabilities; null when none was (`calibrated` false). */
  temperature: number | null;
  /**
   * The per-class biases applied after the temperature, in class order (calibration.ts); null
   * when uncalibrated or calibrated by a temperature alone (records from before the biases).
   */
  class_biases: number[] | null;
  /**
   * The weight the calibration applied gives each image's log-probabilities from its age, sex and
   * site (clinical.ts); null when the probabilities do not use them.
   */
  clinical_weight: number | null;
  calibrated: boolean;
  /** The probabilities average 8 flips and rotations of each image. */
  tta: boolean;
  /** Present when at least two images share a lesion id. */
  per_lesion?: LesionMetrics;
  /** Bootstrap interval of `melanoma_auc`; present only when asked for. */
  melanoma_auc_ci?: ConfidenceInterval | null;
  /** Bootstrap interval of `seborrheic_keratosis_auc`; present only when asked for. */
  seborrheic_keratosis_auc_ci?: ConfidenceInterval | null;
  /** Why each null figure is undefined; empty when every figure is defined. */
  messages: string[];
}

export interface MetricsOptions {
  /** Melanoma decisions are `p_melanoma >= threshold`. Default 0.5. */
  threshold?: number;
  /** Add bootstrap intervals of both AUCs with these settings; left out, no intervals. */
  bootstrap?: BootstrapOptions;
}

/** A class's probabilities, one per image, read from the flat rows. */
export function classScores(probabilities: ArrayLike<number>, cls: number): number[] {
  const classes = CLASSES.length;
  return Array.from({ length: probabilities.length / classes }, (_, i) =>
    Number(probabilities[i * classes + cls]),
  );
}

/** The `metrics.json` entry of one split's predictions. */
export function splitMetrics(p: EvalPredictions, options: MetricsOptions = {}): SplitMetrics {
  const { threshold = 0.5 } = options;
  const { split, labels, probabilities } = p;
  if (labels.length !== p.keys.length) {
    throw new RangeError(`${split}: ${p.keys.length} images but ${labels.length} labels`);
  }
  const messages: string[] = [];
  // Throws on a bad label or probability count, before any figure is computed.
  const confusion = confusionMatrix(labels, probabilities);
  const finite = Array.from(probabilities).every(Number.isFinite);
  if (!finite)
    messages.push(
      `${split}: some probabilities are not finite (NaN or infinite), so the AUCs, AP and ECE ` +
        `are null`,
    );

  const oneVsRest = (cls: number) => {
    const name = CLASSES[cls] as string;
    const positive = labels.map((label) => label === cls);
    const scores = classScores(probabilities, cls);
    const present = positive.includes(true) && positive.includes(false);
    if (!present) {
      const which = positive.includes(true) ? `only ${name} images` : `no ${name} images`;
      messages.push(`${split}: ${name}_auc is null because the split has ${which}`);
    }
    const auc = finite ? rocAuc(positive, scores) : null;
    const ci =
      finite && options.bootstrap ? bootstrapAuc(positive, scores, options.bootstrap) : null;
    if (auc !== null && options.bootstrap && ci === null) {
      messages.push(`${split}: ${name}_auc_ci is null because no resample held both classes`);
    }
    return { positive, scores, auc, ci };
  };
  const melanoma = oneVsRest(MELANOMA);
  const keratosis = oneVsRest(KERATOSIS);

  const meanAuc =
    melanoma.auc === null || keratosis.auc === null ? null : (melanoma.auc + keratosis.auc) / 2;
  if (meanAuc === null) {
    messages.push(`${split}: mean_auc is null because melanoma_auc or seborrheic_keratosis_auc is`);
  }
  const melanomaConfusion = binaryConfusion(melanoma.positive, melanoma.scores, threshold);
  const f1 = f1Score(melanomaConfusion);
  if (f1 === null) {
    messages.push(
      `${split}: melanoma_f1 is null because the split has no melanoma images and none scored ` +
        `p_melanoma >= ${threshold}`,
    );
  }
  const accuracy = argmaxAccuracy(confusion);
  if (accuracy === null) messages.push(`${split}: accuracy is null because the split is empty`);
  const melanomaAp = finite ? averagePrecision(melanoma.positive, melanoma.scores) : null;
  if (finite && melanomaAp === null) {
    messages.push(`${split}: melanoma_ap is null because the split has no melanoma images`);
  }
  const calibration = calibrationFigures(p);
  if (finite && calibration.ece === null) {
    messages.push(`${split}: ece is null because the split is empty`);
  }
  const lesions = p.groups && hasRepeatedGroups(p.groups) ? lesionMetrics(p, p.groups) : null;
  if (lesions) messages.push(...lesions.messages);

  return {
    melanoma_auc: melanoma.auc,
    seborrheic_keratosis_auc: keratosis.auc,
    mean_auc: meanAuc,
    melanoma_f1: f1,
    accuracy,
    threshold,
    confusion,
    melanoma_confusion: melanomaConfusion,
    melanoma_ap: melanomaAp,
    ...calibration,
    ...(lesions ? { per_lesion: lesions.figures } : {}),
    ...(options.bootstrap
      ? { melanoma_auc_ci: melanoma.ci, seborrheic_keratosis_auc_ci: keratosis.ci }
      : {}),
    messages,
  };
}

/** The calibration errors and how the probabilities were made, as `metrics.json` writes them. */
function calibrationFigures(p: EvalPredictions) {
  const calibration = p.view?.calibration ?? null;
  const uncalibrated = (calibration !== null && p.view?.uncalibrated) || p.probabilities;
  const ece = topLabelReliability(p.labels, p.probabilities).ece;
  return {
    ece,
    ece_uncalibrated:
      uncalibrated === p.probabilities ? ece : topLabelReliability(p.labels, uncalibrated).ece,
    melanoma_ece: classReliability(p.labels, p.probabilities, MELANOMA).ece,
    temperature: calibration?.temperature ?? null,
    class_biases: calibration?.biases ? [...calibration.biases] : null,
    clinical_weight: calibration?.clinicalWeight ?? null,
    calibrated: calibration !== null,
    tta: p.view?.tta ?? false,
  };
}

/** The melanoma figures and accuracy per lesion, with why any is null. */
function lesionMetrics(p: EvalPredictions, groups: readonly string[]) {
  const lesions = perLesion(p, groups);
  const positive = lesions.labels.map((label) => label === MELANOMA);
  const scores = classScores(lesions.probabilities, MELANOMA);
  const finite = scores.every(Number.isFinite);
  const figures: LesionMetrics = {
    melanoma_auc: finite ? rocAuc(positive, scores) : null,
    melanoma_ap: finite ? averagePrecision(positive, scores) : null,
    accuracy: argmaxAccuracy(confusionMatrix(lesions.labels, lesions.probabilities)),
    images: p.keys.length,
    lesions: lesions.keys.length,
  };
  const messages: string[] = [];
  const which = positive.includes(true) ? 'only melanoma lesions' : 'no melanoma lesions';
  if (finite && figures.melanoma_auc === null) {
    messages.push(`${p.split}: per_lesion.melanoma_auc is null because the split has ${which}`);
  }
  if (finite && figures.melanoma_ap === null) {
    messages.push(`${p.split}: per_lesion.melanoma_ap is null because the split has ${which}`);
  }
  return { figures, messages };
}

/** The `metrics.json` object: one entry per split, keyed by split name (`val`, `test`). */
export function metricsJson(
  sets: readonly EvalPredictions[],
  options: MetricsOptions = {},
): Partial<Record<Split, SplitMetrics>> {
  const json: Partial<Record<Split, SplitMetrics>> = {};
  for (const set of sets) {
    if (json[set.split]) throw new Error(`metricsJson: split ${set.split} given twice`);
    json[set.split] = splitMetrics(set, options);
  }
  return json;
}
