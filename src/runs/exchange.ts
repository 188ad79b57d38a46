/**
 * Trained models in and out of the browser, in tfjs Layers format (model.json + one weights
 * file, what `tensorflowjs_converter` turns into Keras and `tf.loadLayersModel` reads). An export
 * is the run's best checkpoint with the run record in the model.json's `userDefinedMetadata`
 * (labels, input size, preset, history, versions), so an import elsewhere becomes a run again.
 */
import * as tf from '@tensorflow/tfjs';
import { CLASSES } from '../dataset/types.ts';
import { loadModel } from './checkpoint.ts';
import { storeImportedRun } from './importedRun.ts';
import { importKerasModel } from './kerasModel.ts';
import { loadDroppedModel } from './pretrained.ts';
import { loadRun, type ModelKind, type RunRecord } from './runs.ts';

/** The key of Lesion Lab's metadata in a model.json's `userDefinedMetadata`. */
const METADATA_KEY = 'lesionLab';

export interface ModelMetadata {
  format: 1;
  /** Class names in output order (classifier). */
  labels?: string[];
  run: RunRecord;
  exportedAt: string;
}

export interface ExportedModel {
  /** File name stem: `<name>.json` and `<name>.weights.bin`. */
  name: string;
  json: string;
  weights: ArrayBuffer;
}

export async function exportModel(kind: ModelKind, runId: string): Promise<ExportedModel> {
  const run = await loadRun(runId);
  if (!run || run.kind !== kind || run.bestEpoch === null) {
    throw new Error(`The run ${runId} has no checkpoint to export: train it for an epoch first.`);
  }
  const model = await loadModel(kind, runId, 'best');
  try {
    const metadata: ModelMetadata = {
      format: 1,
      ...(kind === 'classifier'
        ? {
            labels: [
              ...CLASSES,
              ...(model.outputs[0]?.shape[1] === CLASSES.length + 1 ? ['other'] : []),
            ],
          }
        : {}),
      run,
      exportedAt: new Date().toISOString(),
    };
    model.setUserDefinedMetadata({ [METADATA_KEY]: metadata as unknown as object });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!artifacts?.weightSpecs || !artifacts.weightData) {
      throw new Error('The model gave no weights to export.');
    }
    const name = `lesion-lab-${runId}`;
    const json = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: null,
      weightsManifest: [{ paths: [`./${name}.weights.bin`], weights: artifacts.weightSpecs }],
      userDefinedMetadata: artifacts.userDefinedMetadata,
      ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    };
    return {
      name,
      json: JSON.stringify(json),
      weights: tf.io.CompositeArrayBuffer.join(artifacts.weightData),
    };
  } finally {
    model.dispose();
  }
}

/** What a model's output shape says it is. */
function kindOf(model: tf.LayersModel): ModelKind | null {
  const output = model.outputs[0]?.shape ?? [];
  // Three classes, or three and the "other" class a run may learn (threeClassProbabilities).
  const classes = output[1];
  if (output.length === 2 && (classes === CLASSES.length || classes === CLASSES.length + 1)) {
    return 'classifier';
  }
  if (output.length === 4 && output[3] === 1) return 'segnet';
  return null;
}

/**
 * Stores a model exported by Lesion Lab, or one of the seed's Keras 2 `.h5` models
 * (kerasModel.ts), as a finished run of this browser (its best and latest checkpoints are the
 * imported model). Refuses files it cannot use, naming the file and why.
 */
export async function importModel(files: File[]): Promise<RunRecord> {
  const keras = files.filter((f) => /\.(h5|hdf5)$/i.test(f.name));
  if (keras.length > 0) {
    const [file] = keras;
    if (files.length > 1 || file === undefined) {
      throw new Error(
        `Drop one Keras .h5 model at a time: ${files.map((f) => f.name).join(', ')}.`,
      );
    }
    return importKerasModel(file);
  }
  const model = await loadDroppedModel(files);
  const name = files.find((f) => f.name.endsWith('.json'))?.name ?? 'model.json';
  try {
    const kind = kindOf(model);
    if (!kind) {
      throw new Error(
        `${name}: its output ${JSON.stringify(model.outputs[0]?.shape)} is neither a lesion mask [null, h, w, 1] nor the three class probabilities [null, 3].`,
      );
    }
    const metadata = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[
      METADATA_KEY
    ] as ModelMetadata | undefined;
    if (!metadata?.run || metadata.run.kind !== kind) {
      throw new Error(
        `${name} was not exported by Lesion Lab (it has no run record): export models from a run's Export button.`,
      );
    }
    if (metadata.labels && metadata.labels.join() !== CLASSES.join()) {
      throw new Error(
        `${name} predicts the classes ${metadata.labels.join(', ')}; this app's are ${CLASSES.join(', ')}.`,
      );
    }
    const original = metadata.run;
    const now = new Date();
    const run: RunRecord = {
      ...original,
      id: `${original.id}-imported-${crypto.randomUUID().slice(0, 4)}`,
      status: 'finished',
      // The imported model is the original's best epoch, and training cannot go on from it.
      epochsDone: original.epochsDone,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      importedFrom: name,
    };
    delete run.error;
    // Slot a for both: the original's slots name places in the other browser.
    delete run.checkpoints;
    await storeImportedRun(model, run, name);
    return run;
  } finally {
    model.dispose();
  }
}
