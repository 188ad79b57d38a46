/**
 * `npm run bench -- [--quick] [--seed] [--only=ingest|segnet|densenet|diagnose|step|kernels|engine|choice|scale|weights|quality]`:
 * runs every benchmark in headless Chromium and writes bench/results/latest.json and latest.md
 * (latest-<only>.* with --only), and prints the seconds each benchmark took. `--quick` is a smoke
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
 * full size: for a real GPU), --kernels-repeats=N (3, 1 with --quick; --quick a few shapes).
 *
 * The engine benchmark (bench/engine.ts) trains each preset's SegNet and classifier a few steps
 * through the WebGPU training engine and through tfjs: --engine-steps=N (5, 2 with --quick;
 * --quick the quick SegNet and DenseNet only), --engine-full (the seed SegNet at 200 px and batch
 * 16 instead of 96 px and batch 4, DenseNet-121 at 224 px and batch 8, 16, 32 instead of 64 px and
 * batch 4), --engine-models=segnet or classifier (those rows only).
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
 * --quality-stages=all|classifier|evaluate (classifier trains a new classifier on the masked
 * images the last run left in its profile; evaluate scores its models again, without training).
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BACKENDS,
  isBackendName,
  MAX_WASM_THREADS,
  type BackendName,
} from '../src/pipeline/backends.ts';
import { describeMachine, startEnvironment, stopEnvironment } from './browser.ts';
import { benchChoice, choiceMarkdown, isChoiceFailure } from './choice.ts';
import {
  benchDenseNet,
  densenetMarkdown,
  isDenseNetFailure,
  type DenseNetBenchOptions,
} from './densenet.ts';
import {
  DENSENET_BENCH_CONFIGS,
  DENSENET_BENCH_MODES,
  type DenseNetBenchConfig,
  type DenseNetBenchMode,
} from './densenet/protocol.ts';
import {
  benchDiagnose,
  diagnoseMarkdown,
  isDiagnoseFailure,
  type DiagnoseBenchOptions,
} from './diagnose.ts';
import { benchIngest, type IngestFigure } from './ingest.ts';
import { benchScale, scaleMarkdown, type ScaleOptions } from './scale.ts';
import { benchWeights, weightsMarkdown } from './weights.ts';
import { benchQuality, qualityMarkdown, qualityOptionsFrom } from './quality.ts';
import { PRESET_TABLE, type PresetName } from '../src/pipeline/presets.ts';
import { benchSegNet, isFailure, segnetMarkdown, type SegNetBenchOptions } from './segnet.ts';
import { closeBenchServer, openBenchServer } from './common/driver.ts';
import { benchKernels, kernelsMarkdown, type KernelBenchOptions } from './kernels.ts';
import { benchEngine, engineMarkdown, type EngineBenchOptions } from './engine.ts';
import { allCores, benchStep, isStepFailure, stepMarkdown, type StepBenchOptions } from './step.ts';
import { STEP_MODELS, type StepModel } from './step/protocol.ts';

const RESULTS = join(import.meta.dirname, 'results');

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

const quick = flag('quick');
const BENCHMARKS = [
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
const only = option('only', false);
if (only !== undefined && !(BENCHMARKS as readonly string[]).includes(only))
  throw new Error(`--only takes ${BENCHMARKS.join(', ')} (got ${only})`);
const runs = (name: (typeof BENCHMARKS)[number]) => only === undefined || only === name;

function backendList(name: string): BackendName[] {
  return (option(name) ?? BACKENDS.join(',')).split(',').map((backend) => {
    if (!isBackendName(backend)) throw new Error(`Unknown backend in --${name}: ${backend}`);
    return backend;
  });
}

const backends = backendList('segnet-backends');

const segnetOptions: SegNetBenchOptions = {
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
const densenetOptions: DenseNetBenchOptions = {
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

const diagnoseOptions: DiagnoseBenchOptions = {
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
const stepOptions: StepBenchOptions = {
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
 * What the backend choice times, with the app's training images/s per backend from this run's
 * SegNet and (quick) DenseNet fine-tune benchmarks to judge its choice by.
 */
function choiceWorks(
  segnet: Awaited<ReturnType<typeof benchSegNet>> | undefined,
  densenet: Awaited<ReturnType<typeof benchDenseNet>> | undefined,
): Parameters<typeof benchChoice>[0] {
  const segnetRates = segnet
    ? Object.fromEntries(
        segnet.flatMap((f) => (isFailure(f) ? [] : [[f.backend, f.app.imagesPerSecond]])),
      )
    : undefined;
  const works: Parameters<typeof benchChoice>[0] = [
    { work: { model: 'segnet', preset: segnetOptions.preset }, training: segnetRates },
  ];
  // --quick times the SegNet's choice only: each timing runs every backend once more.
  if (quick) return works;
  const fineTune = densenet?.filter(
    (f) => f.mode === 'fine-tune' && f.config === 'quick' && f.throughput.app,
  );
  works.push({
    work: { model: 'classifier', preset: 'quick', mode: 'fine-tune' },
    training:
      fineTune && fineTune.length > 0
        ? Object.fromEntries(fineTune.map((f) => [f.backend, f.throughput.app?.imagesPerSecond]))
        : undefined,
  });
  return works;
}

/**
 * The app at real scale: HAM10000 (all of it; its first 300 images with --quick) and a generated
 * ISIC 2019-sized download (25,000 images; 600), ISIC 2024 HDF5 downloads (20,000 and 5,000 rows;
 * 2,000 and 500), SegNet epochs on the stored HAM10000 under cache
 * budgets far below the data, listing runs beside seed-classifier optimizer state (five runs; two,
 * with a quarter of the state, with --quick).
 */
const scaleOptions: ScaleOptions = {
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

function ingestMarkdown(ingest: IngestFigure[] | undefined): string[] {
  if (!ingest) return [];
  const f = (n: number) => n.toFixed(1);
  const rows = ingest.map(
    (r) =>
      `| ${r.images} | ${f(r.app.median)} (${f(r.app.min)}–${f(r.app.max)}) | ${f(r.baseline.median)} (${f(r.baseline.min)}–${f(r.baseline.max)}) | ${r.ratio.toFixed(2)} ${r.ratio >= 0.7 ? '(meets ≥ 0.7)' : '(misses ≥ 0.7)'} | ${r.peakMemoryMB.toFixed(0)} |`,
  );
  return [
    '### Ingest, 1024x768 JPEGs → 256x256 stored (images/s, median and range)',
    '',
    '| images | app | bare createImageBitmap | ratio | peak memory, page + workers (MB) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ];
}

/** The newest modification time under a path, in ms. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** dist/ is missing or older than a source it is built from. */
function buildIsStale(): boolean {
  const root = join(import.meta.dirname, '..');
  const built = join(root, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'package-lock.json'];
  return sources.some((name) => {
    const path = join(root, name);
    return existsSync(path) && newest(path) > statSync(built).mtimeMs;
  });
}

async function runIngest(): Promise<IngestFigure[]> {
  if (buildIsStale()) {
    console.log('Building the app…');
    execSync('npm run build', { stdio: 'ignore' });
  }
  const env = await startEnvironment();
  try {
    return await benchIngest(env, quick ? [60] : [200, 800], quick ? 1 : 3);
  } finally {
    await stopEnvironment(env);
  }
}

const qualityOptions = qualityOptionsFrom(option, quick);

// --engine-full: the seed SegNet and DenseNet-121 at their own sizes, for a real GPU;
// --engine-models=segnet or classifier: those rows only.
const engineModels = option('engine-models') ?? 'segnet,classifier';
const engineOptions: EngineBenchOptions = {
  full: flag('engine-full'),
  steps: count('engine-steps', quick ? 2 : 5, 1),
  quick,
  segnet: engineModels.includes('segnet'),
  classifier: engineModels.includes('classifier'),
};

// --kernels-full is batch 16 at their own size, for a real GPU.
const kernelsFull = flag('kernels-full');
const kernelOptions: KernelBenchOptions = {
  backends: (option('kernels-backends') ?? 'webgpu,webgl').split(',').map((name) => {
    if (name !== 'webgpu' && name !== 'webgl')
      throw new Error(`--kernels-backends takes webgpu, webgl (got ${name})`);
    return name;
  }),
  batch: count('kernels-batch', kernelsFull ? 16 : 2, 1),
  scale: kernelsFull ? 1 : Number(option('kernels-scale') ?? 0.25),
  repeats: count('kernels-repeats', quick ? 1 : 3, 1),
  quick,
};

async function main(): Promise<void> {
  try {
    await benchmarks();
  } finally {
    await closeBenchServer();
  }
}

async function benchmarks(): Promise<void> {
  const machine = describeMachine();
  console.log(`Benchmarks on ${machine.cpu} (${machine.cores} cores), ${machine.browser}`);
  const seconds: Partial<Record<(typeof BENCHMARKS)[number], number>> = {};
  const timed = async <T>(name: (typeof BENCHMARKS)[number], run: () => Promise<T>) => {
    if (!runs(name)) return undefined;
    const started = performance.now();
    const result = await run();
    seconds[name] = Math.round((performance.now() - started) / 1000);
    console.log(`${name}: ${seconds[name]} s`);
    return result;
  };
  const ingest = await timed('ingest', runIngest);
  // The page benchmarks share one dev server, started here so that no benchmark's time has it.
  if (BENCHMARKS.some((name) => name !== 'ingest' && runs(name))) await openBenchServer();
  const segnet = await timed('segnet', () => benchSegNet(segnetOptions));
  const densenet = await timed('densenet', () => benchDenseNet(densenetOptions));
  const diagnose = await timed('diagnose', () => benchDiagnose(diagnoseOptions));
  const step = await timed('step', () => benchStep(stepOptions));
  const kernels = await timed('kernels', () => benchKernels(kernelOptions));
  const engine = await timed('engine', () => benchEngine(engineOptions));
  const choice = await timed('choice', () => benchChoice(choiceWorks(segnet, densenet)));
  const scale = await timed('scale', () => benchScale(scaleOptions));
  const weights = await timed('weights', benchWeights);
  // An hour of training or more: the smoke run leaves it out unless asked for by name.
  const quality =
    quick && only !== 'quality'
      ? undefined
      : await timed('quality', () => benchQuality(qualityOptions));
  const results = {
    date: new Date().toISOString(),
    quick,
    machine,
    seconds,
    ...(ingest ? { ingest } : {}),
    ...(segnet ? { segnet: { options: segnetOptions, figures: segnet } } : {}),
    ...(densenet ? { densenet: { options: densenetOptions, figures: densenet } } : {}),
    ...(diagnose ? { diagnose: { options: diagnoseOptions, figures: diagnose } } : {}),
    ...(step ? { step: { options: stepOptions, figures: step } } : {}),
    ...(kernels ? { kernels } : {}),
    ...(engine ? { engine: engine.rows, engineNotRun: engine.notRun } : {}),
    ...(choice ? { choice } : {}),
    ...(scale ? { scale: { options: scaleOptions, figures: scale } } : {}),
    ...(weights ? { weights } : {}),
    ...(quality ? { quality: { options: qualityOptions, figures: quality } } : {}),
  };
  const name = only ? `latest-${only}` : 'latest';
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
  const table = [
    `Machine: ${JSON.stringify(machine)}`,
    '',
    `Seconds per benchmark: ${JSON.stringify(seconds)}`,
    '',
    ...ingestMarkdown(ingest),
    ...(segnet ? segnetMarkdown(segnetOptions, segnet) : []),
    ...(densenet ? densenetMarkdown(densenetOptions, densenet) : []),
    ...(diagnose ? diagnoseMarkdown(diagnoseOptions, diagnose) : []),
    ...(step ? stepMarkdown(stepOptions, step) : []),
    ...(kernels ? kernelsMarkdown(kernelOptions, kernels) : []),
    ...(engine ? engineMarkdown(engineOptions, engine) : []),
    ...(choice ? choiceMarkdown(choice) : []),
    ...(scale ? scaleMarkdown(scale) : []),
    ...(weights ? weightsMarkdown(weights) : []),
    ...(quality !== undefined ? qualityMarkdown(quality) : []),
  ].join('\n');
  writeFileSync(join(RESULTS, `${name}.md`), table);
  console.log(`\n${table}\nWrote bench/results/${name}.json and ${name}.md`);
  // A backend that could not train is an error; a missed target is a figure.
  if (
    segnet?.some(isFailure) ||
    densenet?.some(isDenseNetFailure) ||
    diagnose?.some(isDiagnoseFailure) ||
    step?.some(isStepFailure) ||
    choice?.some(isChoiceFailure)
  )
    process.exitCode = 1;
}

await main();
