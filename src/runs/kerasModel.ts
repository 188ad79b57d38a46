/**
 * The seed project's own trained models, from the Keras 2 files its scripts save
 * (`model.save('x.h5')`): the classifier (DenseNet121 + Flatten + Dense 1024 + Dropout + Dense 3)
 * and the SegNet. The file's `model_config` says which and at what input size
 * (models/kerasConfig.ts); the app's builder makes the same model, its weights are read from the
 * file a layer at a time (by Keras layer name, then the layers Keras named by counter, such as
 * `dense_1` or `conv2d_3`, by order within each class), and it is kept as a finished run that
 * Evaluation, Masking and Diagnose use like any other. Every layer must load: a partial model is
 * refused with what did not match.
 */
import * as tf from '@tensorflow/tfjs';
import { buildDenseNet } from '../models/densenet.ts';
import {
  copyWeightsFromFile,
  summarizeImport,
  type WeightImportReport,
} from '../models/importWeights.ts';
import { describeKerasModel, layerClasses, type KerasArchitecture } from '../models/kerasConfig.ts';
import { buildSegNet } from '../models/segnet.ts';
import { openKerasWeights } from '../models/weights/kerasH5.ts';
import type { WeightFile } from '../models/weights/weightFile.ts';
import { PRESET_TABLE } from '../pipeline/presets.ts';
import type { ClassifierConfig } from '../training/classifierConfig.ts';
import { storeImportedRun } from './importedRun.ts';
import type { RunRecord } from './runs.ts';

export interface KerasModel {
  architecture: KerasArchitecture;
  model: tf.LayersModel;
  report: WeightImportReport;
}

/** Rebuilds the model a Keras 2 whole-model file holds, with its weights; throws naming what differs. */
export async function loadKerasModel(name: string, blob: Blob): Promise<KerasModel> {
  const file = await openKerasWeights(name, blob);
  try {
    if (file.modelConfig === undefined) {
      throw new Error(
        `${name} holds weights only, without the model (no model_config): add it as ImageNet weights in the Classifier stage, or save the whole model with model.save()`,
      );
    }
    let architecture: KerasArchitecture;
    try {
      architecture = describeKerasModel(file.modelConfig);
    } catch (error) {
      throw new Error(
        `${name} is not a model the app can rebuild: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const model =
      architecture.kind === 'classifier'
        ? buildDenseNet(classifierModel(architecture))
        : buildSegNet(architecture.config);
    // A legacy file names no classes: its model_config does, for matching by order.
    const classes = layerClasses(file.modelConfig);
    const layers = file.layers.map((l) => ({
      ...l,
      className: l.className ?? classes.get(l.name),
    }));
    const report = copyByNameThenOrder({ ...file, layers }, model);
    if (report.shapeMismatch.length > 0 || report.missingInSource.length > 0) {
      model.dispose();
      throw new Error(`${name}: not every layer loaded. ${summarizeImport(report)}`);
    }
    return { architecture, model, report };
  } finally {
    file.close();
  }
}

/** By Keras layer name; then the file's layers no name took, by order within each class. */
function copyByNameThenOrder(file: WeightFile, model: tf.LayersModel): WeightImportReport {
  const byName = copyWeightsFromFile(file, model);
  if (byName.missingInSource.length === 0) return byName;
  const unused = new Set(byName.unusedInSource);
  const missing = new Set(byName.missingInSource);
  const byOrder = copyWeightsFromFile(
    { ...file, match: 'order', layers: file.layers.filter((l) => unused.has(l.name)) },
    model,
    { only: (layer) => missing.has(layer) },
  );
  return {
    matched: [...byName.matched, ...byOrder.matched],
    shapeMismatch: [...byName.shapeMismatch, ...byOrder.shapeMismatch],
    missingInSource: byOrder.missingInSource,
    unusedInSource: byOrder.unusedInSource,
  };
}

/** Imports a seed Keras model as a finished run of this browser. */
export async function importKerasModel(file: File): Promise<RunRecord> {
  const { architecture, model } = await loadKerasModel(file.name, file);
  try {
    const run = importedRun(architecture, file.name);
    await storeImportedRun(model, run, file.name);
    return run;
  } finally {
    model.dispose();
  }
}

/** The seed preset's DenseNet-121 at the file's input size, head and dropout. */
function classifierModel(architecture: Extract<KerasArchitecture, { kind: 'classifier' }>) {
  const { inputSize, head, dropout } = architecture;
  return { ...PRESET_TABLE.seed.classifier.model, inputSize, head, dropout };
}

function importedRun(architecture: KerasArchitecture, fileName: string): RunRecord {
  const now = new Date().toISOString();
  const kind = architecture.kind;
  const seed = PRESET_TABLE.seed;
  const config =
    architecture.kind === 'classifier'
      ? ({
          ...seed.classifier,
          model: classifierModel(architecture),
          pretrained: null,
          masks: 'as its Keras training made them',
        } satisfies ClassifierConfig)
      : { ...seed.segnet, model: architecture.config };
  return {
    id: `${kind}-keras-${now.replace(/[-:]/g, '').replace(/\..*/, '')}-${crypto.randomUUID().slice(0, 4)}`,
    kind,
    preset: 'seed',
    config,
    seed: 0,
    backend: tf.getBackend(),
    // Trained elsewhere: no dataset of this browser, no history, one epoch (the file's).
    datasetId: '',
    datasetRevision: 0,
    images: { train: 0, val: 0 },
    status: 'finished',
    history: [],
    epochsDone: 1,
    bestEpoch: 0,
    trainSeconds: 0,
    createdAt: now,
    updatedAt: now,
    appVersion: __APP_VERSION__,
    tfjsVersion: tf.version.tfjs,
    importedFrom: fileName,
  };
}
