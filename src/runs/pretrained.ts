/**
 * ImageNet weights for the DenseNet-121 backbone, imported once per browser: the person drops the
 * tfjs Layers model that `tensorflowjs_converter` writes for Keras
 * `DenseNet121(include_top=False, weights='imagenet')` (model.json and its weight files). It is
 * checked against our DenseNet-121 by layer name and shape, kept through tfjs's `indexeddb://`
 * handler, and copied into the backbone of each new run that asks for it (classifierModel.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { guardQuota } from '../dataset/storage.ts';
import { buildDenseNet } from '../models/densenet.ts';
import { DENSENET_121_BACKBONE } from '../models/densenetConfig.ts';
import { copyWeightsByName, summarizeImport } from '../models/importWeights.ts';
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

export async function importPretrained(files: File[]): Promise<PretrainedInfo> {
  const source = await loadDroppedModel(files);
  const target = buildDenseNet({ ...DENSENET_121_BACKBONE, head: 'none' });
  try {
    const report = copyWeightsByName(source, target);
    const total =
      report.matched.length + report.shapeMismatch.length + report.missingInSource.length;
    const name = orderFiles(files)[0]?.name ?? 'model.json';
    if (report.matched.length === 0) {
      throw new Error(
        `${name}: none of its ${source.layers.length} layers matches a DenseNet-121 layer by name and shape. ${summarizeImport(report)}`,
      );
    }
    await guardQuota(
      () => saveModel(source, MODEL_URL),
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
    source.dispose();
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
