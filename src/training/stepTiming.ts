/**
 * One training step of the model a person is about to train, timed on one backend: what the
 * backend choice measures (src/client/backendChoice.ts runs it in a probe worker per backend). The
 * model is the preset's own — its architecture, input size and optimizer — on random images and
 * labels, with a batch of at most `MAX_BATCH` so that a slow backend answers in seconds. The first
 * step (shader compilation, XNNPACK set-up) is timed apart, then the median of `steps`.
 * A frozen classifier spends its time computing the backbone's features, so that is what is timed.
 */
import * as tf from '@tensorflow/tfjs';
import { fuseBatchNormRelu } from '../models/batchNorm.ts';
import { buildDenseNet } from '../models/densenet.ts';
import { buildSegNet } from '../models/segnet.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { PRESET_TABLE, type ClassifierMode, type PresetName } from '../pipeline/presets.ts';
import { compileClassifier } from './classifierModel.ts';
import { compileSegNet } from './segnetTraining.ts';

export type TimedModel = 'segnet' | 'classifier';

/** The largest batch timed: enough to load a GPU, small enough for a CPU to answer in seconds. */
export const MAX_BATCH = 4;

export interface StepTimingParams {
  backend: BackendName;
  model: TimedModel;
  preset: PresetName;
  /** The classifier's mode when the person changed the preset's. */
  mode?: ClassifierMode;
  /** Timed steps after the first; the median is reported. */
  steps: number;
}

export interface StepTiming {
  backend: BackendName;
  adapter: string;
  /** What was timed, in words, e.g. "SegNet 200 px, batch 4, one training step". */
  work: string;
  batch: number;
  firstStepSeconds: number;
  stepSeconds: number;
  imagesPerSecond: number;
}

interface Work {
  describe: string;
  batch: number;
  run: () => Promise<void>;
  dispose: () => void;
}

/** One `trainOnBatch` of a compiled model on a batch made beforehand. */
function trainingWork(
  describe: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  xs: tf.Tensor,
  ys: tf.Tensor,
): Work {
  // As the training loop runs the model.
  fuseBatchNormRelu(model);
  return {
    describe,
    batch: xs.shape[0] ?? 1,
    run: async () => {
      await model.trainOnBatch(xs, ys);
    },
    dispose: () => {
      tf.dispose([xs, ys]);
      optimizer.dispose();
      model.dispose();
    },
  };
}

function segnetWork(preset: PresetName): Work {
  const training = PRESET_TABLE[preset].segnet;
  const size = training.model.inputSize;
  const batch = Math.min(training.batchSize, MAX_BATCH);
  const model = buildSegNet(training.model);
  const optimizer = compileSegNet(model, training);
  const xs = tf.randomUniform([batch, size, size, 3]);
  const ys = tf.tidy(() => tf.randomUniform([batch, size, size, 1]).round());
  return trainingWork(
    `SegNet ${size} px, batch ${batch}, one training step`,
    model,
    optimizer,
    xs,
    ys,
  );
}

function classifierWork(preset: PresetName, mode?: ClassifierMode): Work {
  const training = { ...PRESET_TABLE[preset].classifier, ...(mode ? { mode } : {}) };
  const size = training.model.inputSize;
  const batch = Math.min(training.batchSize, MAX_BATCH);
  const model = buildDenseNet(training.model);
  const xs = tf.randomUniform([batch, size, size, 3]);
  if (training.mode === 'frozen') {
    return {
      describe: `DenseNet ${size} px, batch ${batch}, one feature pass (frozen backbone)`,
      batch,
      run: async () => {
        const out = model.predict(xs) as tf.Tensor;
        await out.data();
        out.dispose();
      },
      dispose: () => {
        xs.dispose();
        model.dispose();
      },
    };
  }
  const optimizer = compileClassifier(model, training, null);
  const classes = (model.outputs[0]?.shape[1] as number | undefined) ?? 3;
  const ys = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i % classes),
        'int32',
      ),
      classes,
    ),
  );
  return trainingWork(
    `DenseNet ${size} px, batch ${batch}, one training step (fine-tune)`,
    model,
    optimizer,
    xs,
    ys,
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/**
 * Times the step on the backend tfjs runs now, which the caller selected and verified (the probe
 * worker, src/worker/probe.worker.ts): `running` names it and its adapter.
 */
export async function timeTrainingStep(
  params: StepTimingParams,
  running: { backend: BackendName; adapter: string },
): Promise<StepTiming> {
  const work =
    params.model === 'segnet'
      ? segnetWork(params.preset)
      : classifierWork(params.preset, params.mode);
  try {
    const timed = async () => {
      const started = performance.now();
      await work.run();
      return (performance.now() - started) / 1000;
    };
    const firstStepSeconds = await timed();
    const seconds: number[] = [];
    for (let i = 0; i < Math.max(1, params.steps); i++) seconds.push(await timed());
    const stepSeconds = median(seconds);
    return {
      backend: running.backend,
      adapter: running.adapter,
      work: work.describe,
      batch: work.batch,
      firstStepSeconds,
      stepSeconds,
      imagesPerSecond: work.batch / stepSeconds,
    };
  } finally {
    work.dispose();
  }
}
