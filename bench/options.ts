/**
 * The benchmarks' command line, `npm run bench -- [--quick] [--seed] [--only=ingest|segnet|densenet|diagnose|step|kernels|engine|choice|scale|weights|quality]`,
 * read into each benchmark's options (bench/run.ts runs them). `--quick` is a smoke
 * version (smaller sizes, one run). The ingest benchmark builds the app only when dist/ is older
 * than its sources. The SegNet training benchmark measures the quick preset's SegNet by default
 * (the seed's trains at a few hundredths of an image a second on a software GPU); `--seed`
 * measures the seed's, for a machine with a real GPU, and `--segnet-preset=cpu` the cpu preset's.
 * SegNet options: --segnet-images=N (a whole
 * number of batches), --segnet-epochs=E, --segnet-backends=webgpu,cpu.
 *
 * The DenseNet training benchmark measures DenseNet-121 at 224 px, batch 8, fine-tune and frozen
 * (with --quick: the quick DenseNet at its 32 px). DenseNet options: --densenet-config=121|quick|cpu,
 * --densenet-size=PX (default: the config's own), --densenet-batch=N (8), --densenet-images=N
 * (training samples, a whole number of batches), --densenet-epochs=E (rounds, the first a
 * warm-up), --densenet-val-images=N, --densenet-backends=webgpu,cpu,
 * --densenet-modes=fine-tune,frozen, --densenet-timeout=S (per backend and mode; a run that
 * overstays is recorded as timed out with the rounds it finished). With --quick a backend's two
 * modes run one after the other in one worker.
 *
 * The Diagnose latency benchmark times the app's `diagnose` on a 1024x768 JPEG with the quick
 * SegNet and classifier: the first call (cold) and the median of the next 10 (warm; 5 with
 * --quick), against bare `predict` of the two models. Options: --diagnose-runs=N (warm calls),
 * --diagnose-backends=webgpu,webgl,cpu, --diagnose-timeout=S (per backend, default 180).
 *
 * The training-step benchmark times one step of the seed SegNet (200 px) and DenseNet-121 (224 px),
 * batch 4, on each backend, beside PyTorch on this CPU with the WebAssembly backend's thread count.
 * Options: --step-models=segnet,densenet121, --step-backends=wasm,webgl,webgpu,cpu, --step-steps=N
 * (timed steps after a warm-up; 3, 1 with --quick), --step-timeout=S (per backend and model:
 * 240, 90 with --quick; a software GPU needs minutes per step, so those end as timed out),
 * --step-profile (one more step under tf.profile: the slowest kernels, on WebGPU by GPU time),
 * --step-threads=1,2 (WebAssembly and PyTorch at each count; 1 and every core by default, every
 * core only with --quick).
 *
 * The kernels benchmark (bench/kernels.ts) times every convolution shape of the seed SegNet and
 * DenseNet-121 on WebGPU and WebGL with tfjs's filter gradient and the app's own, and with cuDNN's
 * where PyTorch has CUDA: --kernels-backends=webgpu,webgl, --kernels-batch=N (2),
 * --kernels-scale=F (the input as a share of the model's own: 0.25), --kernels-full (batch 16,
 * full size: for a real GPU), --kernels-repeats=N (3, 1 with --quick; --quick a few shapes),
 * --kernels-tiles (WebGPU's tiled products with each tile candidate too).
 *
 * The engine benchmark (bench/engine.ts) trains each preset's SegNet and classifier a few steps
 * through the WebGPU training engine and through tfjs: --engine-steps=N (5, 2 with --quick;
 * --quick the quick SegNet and DenseNet only), --engine-full (the seed SegNet at 200 px and batch
 * 16 instead of 96 px and batch 4, DenseNet-121 at 224 px and batch 8, 16, 32 instead of 64 px and
 * batch 4; --engine-batches=16 those batches only), --engine-models=segnet or classifier (those
 * rows only), --engine-profile (each row's GPU time by kernel, from timestamp queries),
 * --engine-kernels=gpu|software (the engine's kernels for a GPU or for a software adapter; by
 * default this adapter's), --engine-tiles=plan (a GPU's filter gradients cut by the fixed plan,
 * not as measured on the adapter).
 *
 * The backend-choice benchmark runs the app's own timing (a probe worker per backend, as on a
 * person's first training) for the SegNet and the quick classifier, and judges its choice by the
 * SegNet and DenseNet benchmarks' app images/s of the same run: within 5% of the best backend's.
 *
 * The scale benchmark (bench/scale.ts) ingests HAM10000 from the real-data folder beside the
 * repository (SHARED_DATA; skipped without it) and a generated ISIC 2019-sized download through the
 * app, trains SegNet epochs on the stored HAM10000 under small cache budgets, and lists runs beside
 * seed-classifier optimizer state. --scale-images=N sets the generated download's size. It also
 * ingests a generated ISIC 2024 train-image.hdf5 with train-metadata.csv of N rows and of N / 4
 * (--scale-hdf5-rows=N; 20,000, 2,000 with --quick), to show images/s and memory flat in the count.
 *
 * The weights benchmark (bench/weights.ts) drops Keras's DenseNet121 no-top .h5 (28 MB) and the
 * same weights as a torchvision .safetensors on the Classifier stage: seconds to the report, and
 * peak memory.
 *
 * The quality benchmark (bench/quality.ts) runs the whole pipeline through the app on HAM10000
 * (beside the repository; skipped without it; --quick leaves it out unless --only=quality):
 * --quality-presets=cpu,quick (quick alone with --quick), --quality-backend=wasm,
 * --quality-crop=on|off (masking's lesion crop, on as in the app), --quality-other=on|off (keep
 * HAM10000's other diagnoses and learn them as an "other" class; on), --quality-stages=all|masking|measures|classifier|evaluate (masking masks again with the last
 * run's SegNet, then trains; measures masks again and scores the last classifier again; classifier
 * trains a new classifier on the masked images the last run left in its profile; evaluate scores
 * its models again, without training).
 */
import {
  BACKENDS,
  isBackendName,
  MAX_WASM_THREADS,
  type BackendName,
} from '../src/pipeline/backends.ts';
import { PRESET_TABLE, type PresetName } from '../src/pipeline/presets.ts';
import type { DenseNetBenchOptions } from './densenet.ts';
import {
  DENSENET_BENCH_CONFIGS,
  DENSENET_BENCH_MODES,
  type DenseNetBenchConfig,
  type DenseNetBenchMode,
} from './densenet/protocol.ts';
import type { DiagnoseBenchOptions } from './diagnose.ts';
import type { EngineBenchOptions } from './engine.ts';
import type { KernelBenchOptions } from './kernels.ts';
import { qualityOptionsFrom } from './quality.ts';
import type { ScaleOptions } from './scale.ts';
import type { SegNetBenchOptions } from './segnet.ts';
import { allCores, type StepBenchOptions } from './step.ts';
import { STEP_MODELS, type StepModel } from './step/protocol.ts';

/** `--name` on the command line, or `npm run bench --name` (which npm passes as npm_config_name). */
function flag(name: string): boolean {
  return (
    process.argv.includes(`--${name}`) ||
    process.env[`npm_config_${name.replaceAll('-', '_')}`] === 'true'
  );
}

/** `--name=value`, or `npm run bench --name=value`, unless npm has a setting of that name. */
function option(name: string, fromNpm = true): string | undefined {
  const given = process.argv.find((a) => a.startsWith(`--${name}=`));
  const npm = fromNpm ? process.env[`npm_config_${name.replaceAll('-', '_')}`] : undefined;
  return given?.slice(name.length + 3) ?? npm;
}

function count(name: string, fallback: number, least: number): number {
  const text = option(name);
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < least)
    throw new Error(`--${name} must be a whole number, at least ${least} (got ${text})`);
  return value;
}

export const quick = flag('quick');
export const BENCHMARKS = [
  'ingest',
  'segnet',
  'densenet',
  'diagnose',
  'step',
  'kernels',
  'engine',
  'choice',
  'scale',
  'weights',
  'quality',
] as const;
// npm has an `only` setting of its own: `npm run bench -- --only=segnet`.
export const only = option('only', false);
if (only !== undefined && !(BENCHMARKS as readonly string[]).includes(only))
  throw new Error(`--only takes ${BENCHMARKS.join(', ')} (got ${only})`);
export const runs = (name: (typeof BENCHMARKS)[number]) => only === undefined || only === name;

function backendList(name: string): BackendName[] {
  return (option(name) ?? BACKENDS.join(',')).split(',').map((backend) => {
    if (!isBackendName(backend)) throw new Error(`Unknown backend in --${name}: ${backend}`);
    return backend;
  });
}

const backends = backendList('segnet-backends');

export const segnetOptions: SegNetBenchOptions = {
  preset: flag('seed') ? 'seed' : option('segnet-preset') === 'cpu' ? 'cpu' : 'quick',
  backends,
  images: count('segnet-images', quick ? 16 : 64, 1),
  valImages: 8,
  // At least two: the first epoch is warm-up and is not timed.
  epochs: count('segnet-epochs', quick ? 2 : 5, 2),
  storedSize: 256,
  timeoutMs: 30 * 60_000,
};

const densenetConfig = option('densenet-config') ?? (quick ? 'quick' : '121');
if (!(DENSENET_BENCH_CONFIGS as readonly string[]).includes(densenetConfig))
  throw new Error(
    `--densenet-config takes ${DENSENET_BENCH_CONFIGS.join(', ')} (got ${densenetConfig})`,
  );
const densenetModes = (option('densenet-modes') ?? DENSENET_BENCH_MODES.join(',')).split(',');
for (const mode of densenetModes) {
  if (!(DENSENET_BENCH_MODES as readonly string[]).includes(mode))
    throw new Error(
      `Unknown mode in --densenet-modes: ${mode} (${DENSENET_BENCH_MODES.join(', ')})`,
    );
}
const densenetBatch = count('densenet-batch', 8, 1);
const densenet121 = densenetConfig === '121';
/**
 * DenseNet-121: one warm-up batch, then one timed epoch of two batches per mode, each backend and
 * mode given 5 minutes. On a software GPU that is not enough: shader compilation alone takes
 * minutes, and a batch of 8 at 224 px needs more memory than SwiftShader gives WebGPU, so those
 * runs end as "timed out" or "failed" instead of holding the whole benchmark up for hours. The quick
 * DenseNet: two timed epochs of two batches (four with --densenet-config=quick without --quick).
 */
export const densenetOptions: DenseNetBenchOptions = {
  config: densenetConfig as DenseNetBenchConfig,
  inputSize: count(
    'densenet-size',
    PRESET_TABLE[densenet121 ? 'recommended' : (densenetConfig as PresetName)].classifier.model
      .inputSize,
    1,
  ),
  batchSize: densenetBatch,
  backends: backendList('densenet-backends'),
  modes: densenetModes as DenseNetBenchMode[],
  images: count('densenet-images', (quick ? 1 : densenet121 ? 2 : 4) * densenetBatch, 1),
  valImages: count('densenet-val-images', densenetBatch, 1),
  // At least two: the first round is warm-up and is not timed.
  epochs: count('densenet-epochs', densenet121 || quick ? 2 : 3, 2),
  storedSize: 256,
  timeoutMs: count('densenet-timeout', densenet121 ? 300 : 120, 1) * 1000,
  shareWorker: quick,
};

export const diagnoseOptions: DiagnoseBenchOptions = {
  backends: backendList('diagnose-backends'),
  warmRuns: count('diagnose-runs', quick ? 3 : 10, 1),
  photoWidth: 1024,
  photoHeight: 768,
  timeoutMs: count('diagnose-timeout', 180, 1) * 1000,
};

// --quick: the seed SegNet on WebAssembly beside PyTorch only (a software GPU gives no step in 90 s,
// and DenseNet-121 alone takes a minute on this CPU in each contender).
const stepModels = (option('step-models') ?? (quick ? 'segnet' : STEP_MODELS.join(','))).split(',');
for (const model of stepModels) {
  if (!(STEP_MODELS as readonly string[]).includes(model))
    throw new Error(`Unknown model in --step-models: ${model} (${STEP_MODELS.join(', ')})`);
}
export const stepOptions: StepBenchOptions = {
  models: stepModels as StepModel[],
  // WebAssembly first: it is the one measured against PyTorch.
  backends: option('step-backends')
    ? backendList('step-backends')
    : quick
      ? ['wasm']
      : (['wasm', ...BACKENDS.filter((b) => b !== 'wasm')] as BackendName[]),
  batchSize: 4,
  steps: count('step-steps', quick ? 1 : 3, 1),
  timeoutMs: count('step-timeout', quick ? 90 : 240, 1) * 1000,
  profile: flag('step-profile'),
  threads: (
    option('step-threads') ?? [...new Set(quick ? [allCores()] : [1, allCores()])].join(',')
  )
    .split(',')
    .map((t) => {
      const n = Number(t);
      if (!Number.isInteger(n) || n < 1 || n > MAX_WASM_THREADS)
        throw new Error(`--step-threads takes 1 to ${MAX_WASM_THREADS} (got ${t})`);
      return n;
    }),
};

/**
 * The app at real scale: HAM10000 (all of it; its first 300 images with --quick) and a generated
 * ISIC 2019-sized download (25,000 images; 600), ISIC 2024 HDF5 downloads (20,000 and 5,000 rows;
 * 2,000 and 500), SegNet epochs on the stored HAM10000 under cache
 * budgets far below the data, listing runs beside seed-classifier optimizer state (five runs; two,
 * with a quarter of the state, with --quick).
 */
export const scaleOptions: ScaleOptions = {
  ...(quick ? { hamImages: 300 } : {}),
  generatedImages: count('scale-images', quick ? 600 : 25_000, 1),
  streaming: {
    backend: 'wasm',
    preset: 'quick',
    // 1 MB holds a sixth of HAM10000's 6,242 training images at 24 px; 0.25 MB a third of the 176
    // of --quick's 300 images.
    budgetsMB: [null, 64, quick ? 0.25 : 1],
    epochs: quick ? 2 : 3,
  },
  // Adam's two moments of the seed head (Flatten 8x8x1024 -> Dense 1024): 2 x 67,109,888 floats.
  listRuns: { runs: quick ? 2 : 5, optimizerFloats: (2 * 65_536 * 1024) / (quick ? 4 : 1) },
  hdf5Rows: (() => {
    const rows = count('scale-hdf5-rows', quick ? 2_000 : 20_000, 8);
    return [Math.round(rows / 4), rows];
  })(),
};

export const qualityOptions = qualityOptionsFrom(option, quick);

// --engine-full: the seed SegNet and DenseNet-121 at their own sizes, for a real GPU;
// --engine-models=segnet or classifier: those rows only.
const engineModels = option('engine-models') ?? 'segnet,classifier';
export const engineOptions: EngineBenchOptions = {
  full: flag('engine-full'),
  batches: (option('engine-batches') ?? '8,16,32').split(',').map((b) => {
    const n = Number(b);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--engine-batches takes whole numbers (got ${b})`);
    return n;
  }),
  steps: count('engine-steps', quick ? 2 : 5, 1),
  quick,
  segnet: engineModels.includes('segnet'),
  classifier: engineModels.includes('classifier'),
  profile: flag('engine-profile'),
  tiles: (() => {
    const tiles = option('engine-tiles');
    if (tiles !== undefined && tiles !== 'measured' && tiles !== 'plan')
      throw new Error(`--engine-tiles takes measured or plan (got ${tiles})`);
    return tiles;
  })(),
  kernels: (() => {
    const kernels = option('engine-kernels');
    if (kernels !== undefined && kernels !== 'gpu' && kernels !== 'software')
      throw new Error(`--engine-kernels takes gpu or software (got ${kernels})`);
    return kernels;
  })(),
};

// --kernels-full is batch 16 at their own size, for a real GPU.
const kernelsFull = flag('kernels-full');
export const kernelOptions: KernelBenchOptions = {
  backends: (option('kernels-backends') ?? 'webgpu,webgl').split(',').map((name) => {
    if (name !== 'webgpu' && name !== 'webgl')
      throw new Error(`--kernels-backends takes webgpu, webgl (got ${name})`);
    return name;
  }),
  batch: count('kernels-batch', kernelsFull ? 16 : 2, 1),
  scale: kernelsFull ? 1 : Number(option('kernels-scale') ?? 0.25),
  repeats: count('kernels-repeats', quick ? 1 : 3, 1),
  quick,
  tiles: flag('kernels-tiles'),
};
