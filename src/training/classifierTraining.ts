/**
 * Trains the DenseNet classifier (nevus, melanoma, seborrheic keratosis) on the masked images, in
 * the compute worker, with the session machinery the SegNet uses (session.ts): new or resumed
 * runs, batch progress, checkpoints with optimizer state, the best epoch by validation melanoma
 * AUC. This file puts a run together; its parts are the recipe (classifierConfig.ts), the data and
 * class balance (classifierData.ts), the model and its loss (classifierModel.ts), what the
 * fine-tune and frozen modes do differently (classifierModes.ts), and the validation with its
 * stored predictions (classifierValidation.ts).
 */
import type { StopSignal } from '../lib/jobs.ts';
import { inOrderPlan, maskedSource, shuffledPlan, type BatchSource } from '../loader/batches.ts';
import { buildDenseNetParts } from '../models/densenet.ts';
import type { BackendName } from '../pipeline/backends.ts';
import { chooseEngine } from '../engine/engineChoice.ts';
import { loadModel, restoreOptimizer } from '../runs/checkpoint.ts';
import { firstStep } from './augmentSeeds.ts';
import {
  maskingMismatch,
  newConfig,
  type ClassifierConfig,
  type ClassifierProgress,
  type ClassifierRun,
  type TrainClassifierParams,
} from './classifierConfig.ts';
import { classifierData, trainingSamples } from './classifierData.ts';
import { compileClassifier, initialModel } from './classifierModel.ts';
import {
  backboneFeatures,
  classifierAugmentation,
  loadParts,
  wholeClassifier,
} from './classifierModes.ts';
import { MELANOMA_AUC, runValidation } from './classifierValidation.ts';
import { datasetClinical } from './clinicalData.ts';
import { checkBatchFits } from './memory.ts';
import { stepSchedule } from './schedule.ts';
import { newRunRecord, resumableRun, runSession } from './session.ts';

export async function trainClassifier(
  params: TrainClassifierParams,
  backend: BackendName,
  report: (progress: ClassifierProgress) => void,
  signal: StopSignal,
): Promise<ClassifierRun> {
  const { dataset, masking, labels, keys } = await classifierData();
  const run = params.resumeRunId
    ? await resumableRun<ClassifierConfig>('classifier', params.resumeRunId)
    : newRunRecord(
        'classifier',
        params.preset,
        newConfig(params, masking, keys.other.length),
        backend,
        dataset,
      );
  const config = run.config;
  const mismatch = maskingMismatch(config, masking);
  if (mismatch) throw new Error(mismatch);
  const { samples, weights } = trainingSamples(config, keys, labels, run.seed);
  run.images = { train: samples.length, val: keys.val.length };

  const full = params.resumeRunId
    ? await loadModel('classifier', run.id, 'latest')
    : await initialModel(config, params.pretrained === true);
  const parts = config.mode === 'frozen' ? buildDenseNetParts(config.model) : null;
  const model = parts ? parts.head : full;
  const optimizer = compileClassifier(model, config, weights);
  let engine: Awaited<ReturnType<typeof chooseEngine>>['engine'] = null;
  try {
    if (parts) loadParts(full, parts);
    checkBatchFits(model, config.batchSize);
    if (params.resumeRunId) await restoreOptimizer(optimizer, run.id);
    const chosen = await chooseEngine(
      model,
      optimizer,
      config.batchSize,
      backend,
      params.engine ?? 'auto',
      weights,
    );
    engine = chosen.engine;
    run.engine = chosen.description;
    run.engineKind = engine ? 'fused' : 'tfjs';
    let source: BatchSource = maskedSource(config.model.inputSize, labels, config.model.classes);
    let stop = signal;
    if (parts) {
      report({ kind: 'run', run: { ...run } });
      const features = await backboneFeatures(
        parts.backbone,
        run.id,
        [...samples, ...keys.val],
        labels,
        config.model.classes,
        config.augment,
        run.seed,
        report,
        signal,
      );
      if (!features.complete) stop = { stopped: true };
      source = features.source;
    }
    const { validate, onBest, afterEpoch } = runValidation(
      run.id,
      datasetClinical(dataset, masking),
    );
    const first = firstStep(run.epochsDone, samples.length, config.batchSize);
    const beforeStep = stepSchedule({
      optimizer,
      model,
      learningRate: config.learningRate,
      schedule: config.schedule,
      weightDecay: config.weightDecay,
      first,
      stepsPerEpoch: Math.floor(samples.length / config.batchSize),
      epochs: config.epochs,
    });
    return await runSession(
      {
        run,
        model,
        optimizer,
        epochs: config.epochs,
        patience: config.patience,
        batchSize: config.batchSize,
        loop: {
          train: shuffledPlan(samples, config.batchSize, source, run.seed),
          val: inOrderPlan(keys.val, config.batchSize, source),
          monitor: MELANOMA_AUC,
          validate,
          ...(beforeStep ? { beforeStep } : {}),
          ...(engine ? { trainStep: engine.step.bind(engine), engineBytes: engine.bytes } : {}),
          ...(parts
            ? {}
            : {
                prepare: classifierAugmentation(config.augment, run.seed, first),
              }),
        },
        ...(parts ? { checkpointModel: wholeClassifier(full, parts) } : {}),
        onBest,
        afterEpoch,
      },
      backend,
      report,
      stop,
    );
  } finally {
    engine?.dispose();
    full.dispose();
    parts?.backbone.dispose();
    parts?.head.dispose();
    optimizer.dispose();
  }
}
