/**
 * Diagnose, in the compute worker: one photo through the same steps as training images (decode to
 * the stored size, SegNet mask with the largest component and its holes filled, masked image cut to
 * its lesion's square where the classifier learned from such crops, classifier), with a Grad-CAM map
 * of the melanoma class over the photo and the time of each step.
 * The classifier sees the masked photo in its 8 flips and rotations (test-time augmentation, as the
 * evaluation does: src/evaluation/tta.ts); the mean is calibrated with the run's calibration (the
 * worker and the page weigh the lesion's measures, and the page the patient's age, sex and site
 * where given). The identity view's
 * plain probabilities come along, and Grad-CAM is of that view. The models stay loaded between
 * photos: the first photo compiles the shaders, the next are fast.
 */
import * as tf from '@tensorflow/tfjs';
import { loadManifest } from '../dataset/storage.ts';
import { MELANOMA } from '../dataset/types.ts';
import { maskedImage, predictMasks } from '../masking/apply.ts';
import { isWhole } from '../masking/lesionCrop.ts';
import { learnedFromCrops, type ClassifierConfig } from '../training/classifierConfig.ts';
import { imageTensor } from '../loader/batches.ts';
import { dihedralBatch, modelPredict, ttaOfBatch } from '../evaluation/tta.ts';
import { calibratorOf, type Calibrator } from '../metrics/calibration.ts';
import { lesionMeasures } from '../metrics/lesion/measures.ts';
import { loadModel } from '../runs/checkpoint.ts';
import { listRuns, type ModelKind, type RunRecord } from '../runs/runs.ts';
import { gradCam, heatInBox, heatToSize, splitAtLayer, type GradCamModel } from './gradCam.ts';
import { decodePhoto } from './photo.ts';
import {
  NO_CLINICAL,
  runClinicalCalibration,
  shownScores,
  type ClinicalUse,
} from '../metrics/clinicalScores.ts';

export interface DiagnoseParams {
  photo: Blob;
  /** The runs whose best checkpoints to use; the latest with a checkpoint when left out. */
  segnetRunId?: string;
  classifierRunId?: string;
}

export interface DiagnoseResult {
  /** The photo's size in pixels. */
  width: number;
  height: number;
  /** The photo at its own aspect, for display: RGBA bytes. */
  preview: { width: number; height: number; rgba: Uint8ClampedArray };
  /** The lesion mask at the preview's size, 0 or 255. */
  mask: Uint8Array;
  /** Share of the photo the mask covers; 0 means no lesion was found (the whole photo was classified). */
  lesionFraction: number;
  /**
   * What the classifier saw, at the stored size, RGB: the masked photo, cut to its lesion's square
   * and zoomed (`zoomed`) when the classifier learned from such crops.
   */
  masked: { size: number; rgb: Uint8Array; zoomed: boolean };
  /** Grad-CAM of the melanoma class at the preview's size, 0..255. */
  heat: Uint8Array;
  /**
   * False when no region raised the melanoma score: the map then shows where the score was
   * lowered least (relative), not evidence for melanoma.
   */
  heatPositive: boolean;
  /**
   * What the app shows, in CLASSES order (nevus, melanoma, seborrheic keratosis): the mean over the
   * 8 flips and rotations, calibrated with `calibration`.
   */
  probabilities: number[];
  /** The shown melanoma probability. */
  melanoma: number;
  /** The identity view's probabilities, uncalibrated (what the model gives the photo as it is). */
  plainProbabilities: number[];
  /** The mean over the 8 views, uncalibrated: what `probabilities` calibrate (clinicalScores.ts). */
  ttaProbabilities: number[];
  /**
   * The run's calibration with clinical data (of the same view as `calibration`), which the
   * Diagnose stage applies where it has any; null where none was fitted.
   */
  clinicalCalibration: ClinicalUse | null;
  /**
   * The lesion's measures on the photo's mask (src/metrics/lesion/measures.ts); null where the
   * SegNet found no lesion.
   */
  measures: number[] | null;
  /**
   * `probabilities` weigh clinical data (src/metrics/clinicalScores.ts): as the worker gives them,
   * the lesion's measures alone; the Diagnose stage recomputes them with the age, sex and site the
   * person gives.
   */
  clinical: boolean;
  /** They weigh the person's age, sex or site (never as the worker gives them). */
  patient: boolean;
  /** They weigh the lesion's measures. */
  measured: boolean;
  /**
   * The calibration applied (temperature and class biases): the identity (T 1, no biases) when
   * the run has none for its best checkpoint.
   */
  calibration: Calibrator;
  /**
   * What the calibration was fitted on (the run's validation predictions): the views' mean (an
   * evaluation made them), one view (training, before any evaluation; TTA is then calibrated
   * with it), or nothing (the identity).
   */
  calibrationFrom: 'tta' | 'plain' | null;
  /** The probabilities are averaged over the 8 dihedral views. */
  tta: true;
  timings: { step: string; ms: number }[];
  models: { segnet: ModelUse; classifier: ModelUse };
}

export interface ModelUse {
  runId: string;
  /** The best epoch, whose checkpoint is in use. */
  epoch: number;
  createdAt: string;
}

interface Loaded {
  use: ModelUse;
  model: tf.LayersModel;
  split?: GradCamModel;
}

/** The models in use, kept between photos. */
const loaded: Partial<Record<ModelKind, Loaded>> = {};

async function pickRun(kind: ModelKind, runId: string | undefined): Promise<RunRecord> {
  const runs = (await listRuns(kind)).filter((r) => r.bestEpoch !== null);
  const run = runId ? runs.find((r) => r.id === runId) : runs[0];
  if (!run) {
    throw new Error(
      runId
        ? `The ${kind} run ${runId} has no checkpoint.`
        : kind === 'segnet'
          ? 'No SegNet is trained yet: train one in the Segmentation stage (photos need a predicted mask).'
          : 'No classifier is trained yet: train one in the Classifier stage.',
    );
  }
  return run;
}

async function modelFor(
  kind: ModelKind,
  runId: string | undefined,
): Promise<Loaded & { run: RunRecord }> {
  const run = await pickRun(kind, runId);
  const current = loaded[kind];
  if (current?.use.runId === run.id && current.use.epoch === run.bestEpoch) {
    return { ...current, run };
  }
  releaseModel(kind);
  const model = await loadModel(kind, run.id, 'best');
  const use = { runId: run.id, epoch: run.bestEpoch ?? 0, createdAt: run.createdAt };
  const next: Loaded = {
    use,
    model,
    ...(kind === 'classifier' ? { split: splitAtLayer(model) } : {}),
  };
  loaded[kind] = next;
  return { ...next, run };
}

/**
 * The run's calibration for its best checkpoint: of the views' mean, else of one view, else the
 * identity.
 */
export function runCalibration(
  run: RunRecord,
): Pick<DiagnoseResult, 'calibration' | 'calibrationFrom'> {
  const fitted = run.calibration?.epoch === run.bestEpoch ? run.calibration : undefined;
  const tta = calibratorOf(fitted, true);
  if (tta) return { calibration: tta, calibrationFrom: 'tta' };
  const plain = calibratorOf(fitted, false);
  if (plain) return { calibration: plain, calibrationFrom: 'plain' };
  return { calibration: { temperature: 1 }, calibrationFrom: null };
}

function releaseModel(kind: ModelKind): void {
  const current = loaded[kind];
  if (!current) return;
  current.split?.dispose();
  current.model.dispose();
  delete loaded[kind];
}

/** Frees the models (a run deleted, or the page leaving Diagnose). */
export function releaseModels(): void {
  releaseModel('segnet');
  releaseModel('classifier');
}

export async function diagnose(params: DiagnoseParams): Promise<DiagnoseResult> {
  const timings: DiagnoseResult['timings'] = [];
  const timed = async <T>(step: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings.push({ step, ms: performance.now() - started });
    return result;
  };
  const [segnet, classifier] = await timed('load models', async () => [
    await modelFor('segnet', params.segnetRunId),
    await modelFor('classifier', params.classifierRunId),
  ]);
  const storedSize = (await loadManifest())?.storedSize ?? 256;
  const photo = await timed('decode', () => decodePhoto(params.photo, storedSize));
  const image = { size: storedSize, pixels: photo.pixels };

  const found = await timed('segment', async () => (await predictMasks(segnet.model, [image]))[0]);
  const lesion = found ? found.reduce((n, v) => n + (v ? 1 : 0), 0) / found.length : 0;
  // No lesion found: the whole photo is classified, as images without a mask were in training.
  const mask = found && lesion > 0 ? found : new Uint8Array(storedSize * storedSize).fill(255);
  // The classifier sees the photo as it saw its training images: cut to the lesion's square when
  // it learned from crops.
  const crop = learnedFromCrops(classifier.run.config as ClassifierConfig);
  const { pixels: masked, box } = await timed('mask', () =>
    maskedImage(photo.pixels, mask, storedSize, crop),
  );

  const { preview } = photo;
  const { plain, mean, heat, previewMask, heatPositive } = await timed(
    'classify 8 views and Grad-CAM',
    async () => {
      const split = classifier.split as GradCamModel;
      const inputSize = classifier.model.inputs[0]?.shape[1] as number;
      const x = imageTensor([{ size: storedSize, pixels: masked }], inputSize);
      const all = tf.tidy(() => modelPredict(classifier.model)(dihedralBatch(x)));
      const views = ttaOfBatch(all);
      all.dispose();
      const cam = gradCam(split, x, MELANOMA);
      const heatMap = tf.tidy(() => {
        const frame = box ? heatInBox(cam.heat, box, storedSize) : cam.heat;
        return tf.cast(tf.mul(heatToSize(frame, preview.height, preview.width), 255), 'int32');
      });
      const maskMap = tf.tidy(() =>
        tf.image.resizeNearestNeighbor(tf.tensor3d(mask, [storedSize, storedSize, 1], 'int32'), [
          preview.height,
          preview.width,
        ]),
      );
      const [p, t, h, m, positive] = await Promise.all([
        views.plain.data(),
        views.mean.data(),
        heatMap.data(),
        maskMap.data(),
        cam.positive.data(),
      ]);
      tf.dispose([
        x,
        views.plain,
        views.mean,
        cam.heat,
        cam.probabilities,
        cam.positive,
        heatMap,
        maskMap,
      ]);
      return {
        plain: Array.from(p),
        mean: t,
        heat: Uint8Array.from(h),
        previewMask: Uint8Array.from(m),
        heatPositive: positive[0] === 1,
      };
    },
  );
  const calibration = runCalibration(classifier.run);
  const ttaProbabilities = Array.from(mean);
  const clinicalCalibration = runClinicalCalibration(classifier.run, calibration.calibrationFrom);
  const measures = found && lesion > 0 ? lesionMeasures(photo.pixels, found, storedSize) : null;
  const shown = shownScores(
    { ttaProbabilities, calibration: calibration.calibration, clinicalCalibration, measures },
    NO_CLINICAL,
  );
  return {
    width: photo.width,
    height: photo.height,
    preview,
    mask: previewMask,
    lesionFraction: lesion,
    masked: { size: storedSize, rgb: masked, zoomed: box !== null && !isWhole(box, storedSize) },
    heat,
    heatPositive,
    ...shown,
    plainProbabilities: plain,
    ttaProbabilities,
    clinicalCalibration,
    measures,
    ...calibration,
    tta: true,
    timings,
    models: { segnet: segnet.use, classifier: classifier.use },
  };
}
