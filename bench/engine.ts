/**
 * The WebGPU training engine against tfjs's training step (`npm run bench -- --only=engine`): the
 * SegNet and the classifier of each preset (a frozen run's head for the seed's) trained a few
 * steps through each, on the machine's WebGPU adapter (bench/engine/page.ts), in images per
 * second, with the dispatches, submits, buffers and bind groups each step asks of the device and
 * the JavaScript time it takes to encode. A software adapter (SwiftShader) needs minutes for the
 * seed SegNet's tfjs step at its own 200 px and batch 16, and for DenseNet-121's at 224 px, so by
 * default they run at 96 px and batch 4 and at 64 px and batch 4, and the table says so;
 * `--engine-full` runs them at their own sizes and DenseNet-121 at batch 8, 16 and 32, as on a
 * real GPU (scripts/device-bench).
 */
import { chromium } from '@playwright/test';
import type { DenseNetConfig } from '../src/models/densenetConfig.ts';
import type { KernelSet } from '../src/engine/recording.ts';
import { PRESET_TABLE, type PresetName } from '../src/pipeline/presets.ts';
import { LAUNCH_OPTIONS } from './browser.ts';
import { benchPage, figure } from './common/driver.ts';
import type { EngineTiming, EngineTimingCase } from './engine/protocol.ts';

export interface EngineBenchOptions {
  /** The seed SegNet at its own size and batch (a real GPU). */
  full: boolean;
  /** DenseNet-121's batches with `full` (8, 16, 32). */
  batches: number[];
  /** Timed steps per row, after one that compiles. */
  steps: number;
  quick: boolean;
  /** Time the SegNet rows, the classifier rows. */
  segnet: boolean;
  classifier: boolean;
  /** Time each row's kernels by kind (one more step, timestamp queries). */
  profile: boolean;
  /** Which adapter's kernels the engine uses, when not this adapter's (src/engine/recording.ts). */
  kernels?: KernelSet;
  /** A GPU's filter-gradient tiles: measured on the adapter (the default) or the fixed plan. */
  tiles?: 'measured' | 'plan';
}

export interface EngineResults {
  rows: EngineTiming[];
  /** Models the engine does not train yet, and why. */
  notRun: string[];
}

function segnetRow(preset: PresetName, model: string, batch: number, inputSize?: number) {
  const training = PRESET_TABLE[preset].segnet;
  return {
    model,
    network: {
      kind: 'segnet' as const,
      config: { ...training.model, ...(inputSize ? { inputSize } : {}) },
    },
    optimizer: training.optimizer,
    learningRate: training.learningRate,
    momentum: training.momentum,
    batch,
  };
}

/** A preset's classifier (Adam, its class weights left out: they cost nothing), whole or head. */
function classifierRow(
  preset: PresetName,
  model: string,
  batch: number,
  changes: Partial<DenseNetConfig> = {},
) {
  const training = PRESET_TABLE[preset].classifier;
  return {
    model,
    network: {
      kind: 'densenet' as const,
      config: { ...training.model, ...changes },
      classWeights: null,
      part: training.mode === 'frozen' ? ('head' as const) : ('whole' as const),
    },
    optimizer: 'adam' as const,
    learningRate: training.learningRate,
    momentum: 0,
    batch,
  };
}

type Row = Omit<EngineTimingCase, 'engine' | 'steps'>;

function cases(options: EngineBenchOptions): Row[] {
  return allCases(options).filter((row) =>
    row.network.kind === 'segnet' ? options.segnet : options.classifier,
  );
}

function allCases(options: EngineBenchOptions): Row[] {
  const quickDenseNet = classifierRow('quick', 'quick DenseNet, fine-tune (32 px)', 16);
  if (options.quick) return [segnetRow('quick', 'quick SegNet (24 px)', 16), quickDenseNet];
  const seedHead = classifierRow('seed', 'seed head on DenseNet-121 features (8 x 8 x 1024)', 32);
  if (options.full) {
    return [
      segnetRow('seed', 'seed SegNet (200 px)', 16),
      ...options.batches.map((batch) =>
        classifierRow('recommended', 'DenseNet-121, fine-tune (224 px)', batch),
      ),
      seedHead,
      quickDenseNet,
    ];
  }
  return [
    segnetRow('seed', 'seed SegNet at 96 px (200 px on a real GPU)', 4, 96),
    segnetRow('cpu', 'cpu-preset SegNet (64 px)', 16),
    segnetRow('quick', 'quick SegNet (24 px)', 16),
    classifierRow('recommended', 'DenseNet-121, fine-tune, at 64 px (224 px on a real GPU)', 4, {
      inputSize: 64,
    }),
    classifierRow('cpu', 'cpu-preset DenseNet, fine-tune (48 px)', 32),
    quickDenseNet,
    seedHead,
  ];
}

export async function benchEngine(options: EngineBenchOptions): Promise<EngineResults> {
  const browser = await chromium.launch(LAUNCH_OPTIONS);
  const rows: EngineTiming[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(await benchPage('bench/engine/index.html'));
    for (const c of cases(options)) {
      for (const engine of ['fused', 'tfjs', 'tfjs-own'] as const) {
        const timing = (await page.evaluate(
          `window.timeEngine(${JSON.stringify({ ...c, engine, steps: options.steps, profile: options.profile, kernels: options.kernels, tiles: options.tiles })})`,
        )) as EngineTiming;
        console.log(
          `  ${timing.model} batch ${timing.batch}, ${engine}: ${figure(timing.imagesPerSecond)} images/s, ${figure(timing.dispatchesPerStep)} dispatches, ${figure(timing.submitsPerStep)} submits, ${figure(timing.buffersCreatedPerStep)} buffers and ${figure(timing.bindGroupsCreatedPerStep)} bind groups made, ${figure(timing.encodeMsPerStep)} ms encoding a step`,
        );
        if (timing.tiles) console.log(`    filter-gradient tiles: ${timing.tiles}`);
        if (timing.kernelMs) console.log(`    GPU ms a step: ${kernelLine(timing.kernelMs)}`);
        if (timing.slowest) {
          const slowest = timing.slowest.map(([label, ms]) => `${label} ${figure(ms)}`);
          console.log(`    slowest: ${slowest.join(', ')}`);
        }
        rows.push(timing);
      }
    }
  } finally {
    await browser.close();
  }
  return {
    rows,
    notRun: [
      "the frozen mode's feature pass: it is inference (tfjs's predict over the backbone), which the engine does not run",
    ],
  };
}

export function engineMarkdown(options: EngineBenchOptions, results: EngineResults): string[] {
  const lines = [
    `## WebGPU training engine against tfjs (${options.steps} steps a row${options.kernels ? `, the engine with a ${options.kernels === 'gpu' ? 'GPU' : 'software adapter'}'s kernels` : ''})`,
    '',
    '| model | batch | engine | images/s | ÷ tfjs | ÷ tfjs-own | dispatches a step | submits a step | buffers made a step | bind groups made a step | encode ms a step |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of results.rows) {
    const of = (engine: EngineTiming['engine']) =>
      results.rows.find(
        (r) => r.model === row.model && r.batch === row.batch && r.engine === engine,
      );
    const ratio = (to: EngineTiming | undefined) =>
      to && to !== row ? `${figure(row.imagesPerSecond / to.imagesPerSecond)}x` : '';
    const own = row.engine === 'fused' ? ratio(of('tfjs-own')) : '';
    lines.push(
      `| ${row.model} | ${row.batch} | ${row.engine} | ${figure(row.imagesPerSecond)} | ${row.engine === 'tfjs' ? '' : ratio(of('tfjs'))} | ${own} | ${figure(row.dispatchesPerStep)} | ${figure(row.submitsPerStep)} | ${figure(row.buffersCreatedPerStep)} | ${figure(row.bindGroupsCreatedPerStep)} | ${figure(row.encodeMsPerStep)} |`,
    );
  }
  lines.push(
    '',
    "tfjs: tfjs's trainOnBatch with its own kernels; tfjs-own: the same with the app's WebGPU convolutions in their place (src/kernels/webgpu/convolutions.ts), as the app's tfjs path runs.",
  );
  lines.push('', ...results.notRun.map((line) => `Not run: ${line}.`), '');
  const profiled = results.rows.filter((row) => row.kernelMs);
  if (profiled.length > 0) {
    lines.push(
      'GPU milliseconds of one step by kernel (timestamp queries, each kernel alone):',
      '',
    );
    for (const row of profiled) {
      lines.push(
        `- ${row.model}, batch ${row.batch}, ${row.engine}: ${kernelLine(row.kernelMs ?? [])}`,
      );
    }
    lines.push('');
  }
  return lines;
}

/** The total, then the kernels that take 95% of it. */
function kernelLine(kernelMs: [string, number][]): string {
  const total = kernelMs.reduce((sum, [, ms]) => sum + ms, 0);
  const shown: string[] = [];
  let covered = 0;
  for (const [kernel, ms] of kernelMs) {
    if (covered >= 0.95 * total) break;
    shown.push(`${kernel} ${figure(ms)}`);
    covered += ms;
  }
  return `${figure(total)} in all; ${shown.join(', ')}`;
}
