/**
 * ImageNet weights for the DenseNet-121 backbone, imported once per browser. The person drops the
 * file their framework downloaded: Keras's `densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5`
 * (or any Keras 2 `.h5` of a DenseNet-121, or a Keras 3 `.weights.h5`), a torchvision or timm
 * DenseNet-121 `.safetensors`, or the tfjs Layers model `tensorflowjs_converter` writes (model.json
 * and its weight files). Weight files are read in the worker one layer at a time
 * (models/weights/); every layer is checked against our DenseNet-121 by name (or order) and shape,
 * the result kept through tfjs's `indexeddb://` handler and copied into the backbone of each new
 * run that asks for it (classifierModel.ts). A PyTorch pickle (`.pth`) is refused: loading it could
 * run code.
 */
import * as tf from '@tensorflow/tfjs';
import { guardQuota } from '../dataset/storage.ts';
import { buildDenseNet } from '../models/densenet.ts';
import { DENSENET_121_BACKBONE } from '../models/densenetConfig.ts';
import {
  copyWeightsByName,
  copyWeightsFromFile,
  summarizeImport,
  type WeightImportReport,
} from '../models/importWeights.ts';
import { openKerasWeights } from '../models/weights/kerasH5.ts';
import { openSafetensors } from '../models/weights/safetensors.ts';
import { isPickledTorchName, refusePth } from '../models/weights/torchNames.ts';
import type { WeightFile } from '../models/weights/weightFile.ts';
import { PRETRAINED_KEY, loadPretrainedInfo, type PretrainedInfo } from './pretrainedInfo.ts';
import { STORE_PREFIX } from '../storage/stores.ts';
import { deleteRunState, saveRunState } from './runs.ts';
import { saveModel } from './saveModel.ts';
import { errorText } from '../lib/errorText.ts';

const MODEL_URL = `indexeddb://${STORE_PREFIX}/pretrained/densenet121`;
/** The JSON file first: tf.io.browserFiles wants model.json, then its weight files. */
function orderFiles(files: File[]): File[] {
  const json = files.filter((f) => f.name.endsWith('.json'));
  if (json.length !== 1) {
    throw new Error(
      `Drop one model.json with its weight files (.bin): ${json.length === 0 ? 'no' : json.length} .json file${json.length === 1 ? '' : 's'} among ${files.map((f) => f.name).join(', ')}.`,
    );
  }
  return [json[0] as File, ...files.filter((f) => f !== json[0])];
}

/** Loads a dropped tfjs Layers model, with messages that name the file and the problem. */
export async function loadDroppedModel(files: File[]): Promise<tf.LayersModel> {
  const ordered = orderFiles(files);
  const name = ordered[0]?.name;
  try {
    return await tf.loadLayersModel(tf.io.browserFiles(ordered));
  } catch (error) {
    const text = errorText(error);
    throw new Error(`${name} could not be loaded as a tfjs Layers model: ${text}`, {
      cause: error,
    });
  }
}

const WEIGHT_FILE = /\.(h5|hdf5|safetensors|pth|pt)$/i;

/** The dropped weights file, opened; null for tfjs Layers files (model.json and .bin). */
async function openWeightFile(files: File[]): Promise<WeightFile | null> {
  const weightFiles = files.filter((f) => WEIGHT_FILE.test(f.name) || isPickledTorchName(f.name));
  if (weightFiles.length === 0) return null;
  const [file] = weightFiles;
  if (weightFiles.length > 1 || file === undefined) {
    throw new Error(
      `Drop one weights file at a time: ${weightFiles.map((f) => f.name).join(', ')}.`,
    );
  }
  if (isPickledTorchName(file.name)) throw refusePth(file.name);
  return /\.safetensors$/i.test(file.name)
    ? openSafetensors(file.name, file)
    : openKerasWeights(file.name, file);
}

export async function importPretrained(files: File[]): Promise<PretrainedInfo> {
  const weightFile = await openWeightFile(files);
  const source = weightFile === null ? await loadDroppedModel(files) : null;
  const target = buildDenseNet({ ...DENSENET_121_BACKBONE, head: 'none' });
  try {
    let report: WeightImportReport;
    let name: string;
    let sourceLayers: number;
    if (weightFile !== null) {
      try {
        report = copyWeightsFromFile(weightFile, target);
      } finally {
        weightFile.close();
      }
      name = files.find((f) => WEIGHT_FILE.test(f.name))?.name ?? 'weights';
      sourceLayers = weightFile.layers.length;
    } else if (source !== null) {
      report = copyWeightsByName(source, target);
      name = orderFiles(files)[0]?.name ?? 'model.json';
      sourceLayers = source.layers.length;
    } else {
      throw new Error('no weights were dropped');
    }
    const total =
      report.matched.length + report.shapeMismatch.length + report.missingInSource.length;
    if (report.matched.length === 0) {
      const what = weightFile === null ? 'layers' : `${weightFile.format} layers with weights`;
      throw new Error(
        `${name}: none of its ${sourceLayers} ${what} matches a DenseNet-121 layer by name and shape. ${summarizeImport(report)}`,
      );
    }
    // A tfjs model is kept as it came; a weights file as our DenseNet-121 holding its weights.
    const kept = source ?? target;
    await guardQuota(
      () => saveModel(kept, MODEL_URL),
      'The weights were not kept. Free space (delete runs you no longer need, or free disk space), then import them again.',
    );
    const info: PretrainedInfo = {
      source: name,
      matched: report.matched.length,
      total,
      summary: summarizeImport(report),
      unmatched: [...report.shapeMismatch.map((m) => m.layer), ...report.missingInSource].slice(
        0,
        40,
      ),
      importedAt: new Date().toISOString(),
    };
    await saveRunState(PRETRAINED_KEY, info);
    return info;
  } finally {
    source?.dispose();
    target.dispose();
  }
}

export async function loadPretrained(): Promise<{ model: tf.LayersModel; info: PretrainedInfo }> {
  const info = await loadPretrainedInfo();
  if (!info) {
    throw new Error('No ImageNet weights are imported: drop them in the Classifier stage first.');
  }
  return { model: await tf.loadLayersModel(MODEL_URL), info };
}

export async function deletePretrained(): Promise<void> {
  await tf.io.removeModel(MODEL_URL).catch(() => undefined);
  await deleteRunState(PRETRAINED_KEY);
}
