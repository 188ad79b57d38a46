/**
 * The Diagnose latency benchmark's worker (the app diagnoses in its compute worker too). For one
 * backend: builds the quick preset's SegNet and classifier (untrained: latency does not depend on
 * the weights), stores each as the best checkpoint of a run (`model.save(modelUrl(…, 'best'))`
 * and a run record with `bestEpoch: 0`, so that `listRuns` finds them as the app's Diagnose
 * does), makes one synthetic lesion photo as a JPEG, then times:
 *
 *   app   the app's `diagnose({ photo })`: once cold (loading the models, compiling the shaders),
 *         then `warmRuns` times warm (the models stay loaded);
 *   bare  the same two checkpoints loaded by `loadModel`, `predict` of the SegNet then the
 *         classifier on tensors of their input shapes made beforehand, each awaited with
 *         `data()`: once cold, then `warmRuns` times.
 */
import * as tf from '@tensorflow/tfjs';
import { diagnose, releaseModels } from '../../src/diagnose/diagnose.ts';
import { Random } from '../../src/lib/random.ts';
import { buildDenseNet } from '../../src/models/densenet.ts';
import { buildSegNet } from '../../src/models/segnet.ts';
import { PRESET_TABLE } from '../../src/pipeline/presets.ts';
import { loadModel, modelUrl } from '../../src/runs/checkpoint.ts';
import { saveRun, type ModelKind } from '../../src/runs/runs.ts';
import { selectBackend } from '../../src/worker/backend.ts';
import '../../src/worker/wasmFiles.ts';
import { takeGpuFault } from '../../src/lib/gpuFaults.ts';
import { explainingGpuFaults, progress, serveBenchmark } from '../common/worker.ts';
import type { DiagnoseCall, DiagnoseRunOptions, DiagnoseRunResult } from './protocol.ts';

const SEED = 11;
const PRESET = PRESET_TABLE.quick;
const runId = (kind: ModelKind) => `bench-diagnose-${kind}`;

/** Saves the model as the best checkpoint of a finished one-epoch run of the quick preset. */
async function storeRun(kind: ModelKind, model: tf.LayersModel, backend: string): Promise<void> {
  await model.save(modelUrl(kind, runId(kind), 'best'));
  const now = new Date().toISOString();
  await saveRun({
    id: runId(kind),
    kind,
    preset: 'quick',
    config: kind === 'segnet' ? PRESET.segnet : PRESET.classifier,
    seed: SEED,
    backend,
    datasetId: 'bench-diagnose',
    datasetRevision: 1,
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
  });
}

/** A skin-toned, noisy photo with one dark, blurred elliptical lesion off-centre, as a JPEG. */
async function syntheticPhoto(width: number, height: number): Promise<Blob> {
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas in this worker');
  context.fillStyle = 'rgb(205, 150, 125)';
  context.fillRect(0, 0, width, height);
  context.filter = `blur(${Math.round(width / 100)}px)`;
  context.fillStyle = 'rgb(95, 55, 40)';
  context.beginPath();
  context.ellipse(width * 0.55, height * 0.45, width * 0.18, height * 0.2, 0.4, 0, 2 * Math.PI);
  context.fill();
  context.filter = 'none';
  const image = context.getImageData(0, 0, width, height);
  const random = new Random(SEED);
  for (let i = 0; i < image.data.length; i += 4) {
    const noise = (random.next() - 0.5) * 24;
    for (let c = 0; c < 3; c++) image.data[i + c] = (image.data[i + c] as number) + noise;
  }
  context.putImageData(image, 0, 0);
  return canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
}

async function timeCall(work: () => Promise<DiagnoseCall['steps']>): Promise<DiagnoseCall> {
  const started = performance.now();
  const steps = await work();
  const ms = performance.now() - started;
  return { ms, numTensors: tf.memory().numTensors, ...(steps ? { steps } : {}) };
}

function checkFault(): void {
  const fault = takeGpuFault();
  if (fault) throw new Error(`GPU fault (${fault.kind}): ${fault.message}`);
}

async function measure(options: DiagnoseRunOptions): Promise<DiagnoseRunResult> {
  const info = await selectBackend(options.backend);
  progress(`backend ${info.backend} (${info.adapter}), tfjs ${info.tfjsVersion}`);
  const started = performance.now();
  const built = {
    segnet: buildSegNet(PRESET.segnet.model),
    classifier: buildDenseNet(PRESET.classifier.model),
  };
  await storeRun('segnet', built.segnet, info.backend);
  await storeRun('classifier', built.classifier, info.backend);
  built.segnet.dispose();
  built.classifier.dispose();
  const photo = await syntheticPhoto(options.photoWidth, options.photoHeight);
  const setupSeconds = (performance.now() - started) / 1000;
  progress(
    `stored the quick SegNet and classifier, a ${options.photoWidth}x${options.photoHeight} JPEG of ` +
      `${(photo.size / 1024).toFixed(0)} KiB in ${setupSeconds.toFixed(1)} s`,
  );

  const app: DiagnoseCall[] = [];
  for (let i = 0; i <= options.warmRuns; i++) {
    app.push(await timeCall(async () => (await diagnose({ photo })).timings));
    checkFault();
    const call = app[i] as DiagnoseCall;
    progress(
      `app ${i === 0 ? 'cold' : `warm ${i}`}: ${call.ms.toFixed(1)} ms, ${call.numTensors} tensors`,
    );
  }

  const segnet = await loadModel('segnet', runId('segnet'), 'best');
  const classifier = await loadModel('classifier', runId('classifier'), 'best');
  const segnetInput = [1, ...(segnet.inputs[0]?.shape.slice(1) as number[])];
  const classifierInput = [1, ...(classifier.inputs[0]?.shape.slice(1) as number[])];
  const xs = tf.randomUniform(segnetInput);
  const xc = tf.randomUniform(classifierInput);
  const predict = async (model: tf.LayersModel, x: tf.Tensor) => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  const bare: DiagnoseCall[] = [];
  try {
    for (let i = 0; i <= options.warmRuns; i++) {
      bare.push(
        await timeCall(async () => {
          await predict(segnet, xs);
          await predict(classifier, xc);
        }),
      );
      checkFault();
      const call = bare[i] as DiagnoseCall;
      progress(
        `bare ${i === 0 ? 'cold' : `warm ${i}`}: ${call.ms.toFixed(1)} ms, ${call.numTensors} tensors`,
      );
    }
  } finally {
    tf.dispose([xs, xc]);
    segnet.dispose();
    classifier.dispose();
    releaseModels();
  }
  return {
    backend: info.backend,
    adapter: info.adapter,
    tfjsVersion: info.tfjsVersion,
    segnetInput,
    classifierInput,
    photoBytes: photo.size,
    setupSeconds,
    app,
    bare,
  };
}

serveBenchmark(explainingGpuFaults(measure));
