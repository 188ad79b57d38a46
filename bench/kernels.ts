/**
 * The convolution kernels on WebGPU (`npm run bench -- --only=kernels`): every distinct
 * convolution shape of the seed SegNet and DenseNet-121, read off the models the app builds, timed
 * on the machine's WebGPU adapter with tfjs-backend-webgpu's kernel and with the app's own
 * (bench/kernels/page.ts), in milliseconds per call and GFLOP/s. A software adapter (SwiftShader)
 * needs minutes for the models' real sizes, so by default the shapes keep their channels and
 * filters at a smaller batch and input (`--kernels-batch`, `--kernels-scale`); `--kernels-full`
 * times them at batch 16 and the models' own input sizes, as on a real GPU (scripts/device-bench).
 */
import * as tf from '@tensorflow/tfjs';
import { chromium } from '@playwright/test';
import type { ConvCase } from '../src/kernels/convReference.ts';
import { buildDenseNet } from '../src/models/densenet.ts';
import { DENSENET_121_BACKBONE } from '../src/models/densenetConfig.ts';
import { buildSegNet } from '../src/models/segnet.ts';
import { SEGNET_SEED } from '../src/models/segnetConfig.ts';
import { LAUNCH_OPTIONS } from './browser.ts';
import { benchPage, figure } from './common/driver.ts';
import type { KernelTiming } from './kernels/protocol.ts';

export interface KernelBenchOptions {
  batch: number;
  /** Input edge as a share of each model's own (1: 200 px SegNet, 224 px DenseNet-121). */
  scale: number;
  /** Calls timed per shape and kernel, after one that compiles. */
  repeats: number;
  /** Only the first shapes of each model (the smoke run). */
  quick: boolean;
}

export interface KernelFigure extends KernelTiming {
  model: 'segnet' | 'densenet121';
  shape: string;
  backend: 'webgpu';
}

/** Each distinct Conv2D of a model: input shape at `batch`, filter, stride, padding. */
export function convCases(model: tf.LayersModel, batch: number): ConvCase[] {
  const seen = new Map<string, ConvCase>();
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'Conv2D') continue;
    const config = layer.getConfig() as {
      kernelSize: number | number[];
      strides: number | number[];
      padding: 'same' | 'valid';
      filters: number;
    };
    const [, h, w, c] = (layer.input as tf.SymbolicTensor).shape as number[];
    const k = Array.isArray(config.kernelSize)
      ? config.kernelSize
      : [config.kernelSize, config.kernelSize];
    const stride = Array.isArray(config.strides) ? (config.strides[0] as number) : config.strides;
    const c4: ConvCase = {
      xShape: [batch, h as number, w as number, c as number],
      filterShape: [k[0] as number, k[1] as number, c as number, config.filters],
      stride,
      pad: config.padding,
    };
    seen.set(JSON.stringify(c4), c4);
  }
  return [...seen.values()];
}

function modelCases(options: KernelBenchOptions) {
  const round = (size: number, multiple: number) =>
    Math.max(multiple, Math.round((size * options.scale) / multiple) * multiple);
  const segnet = buildSegNet({ ...SEGNET_SEED, inputSize: round(SEGNET_SEED.inputSize, 8) });
  const densenet = buildDenseNet({
    ...DENSENET_121_BACKBONE,
    inputSize: round(DENSENET_121_BACKBONE.inputSize, 32),
  });
  const cases = {
    segnet: convCases(segnet, options.batch),
    densenet121: convCases(densenet, options.batch),
  };
  segnet.dispose();
  densenet.dispose();
  return options.quick
    ? { segnet: cases.segnet.slice(0, 2), densenet121: cases.densenet121.slice(0, 3) }
    : cases;
}

const describe = (c: ConvCase) =>
  `${c.filterShape[0]}x${c.filterShape[1]} ${c.filterShape[2]}→${c.filterShape[3]} over ${c.xShape.join('x')}, stride ${c.stride}, ${c.pad}`;

export async function benchKernels(options: KernelBenchOptions): Promise<KernelFigure[]> {
  await tf.setBackend('cpu');
  const cases = modelCases(options);
  const browser = await chromium.launch(LAUNCH_OPTIONS);
  const figures: KernelFigure[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(await benchPage('bench/kernels/index.html'));
    for (const model of ['segnet', 'densenet121'] as const) {
      for (const c of cases[model]) {
        const timings = (await page.evaluate(
          `window.timeKernels(${JSON.stringify([c])}, ${options.repeats})`,
        )) as KernelTiming[];
        for (const t of timings) {
          const row: KernelFigure = { ...t, model, shape: describe(c), backend: 'webgpu' };
          console.log(
            `  ${model} ${row.shape}: ${row.impl} ${figure(row.ms)} ms, ${figure(row.gflops)} GFLOP/s`,
          );
          figures.push(row);
        }
      }
    }
  } finally {
    await browser.close();
  }
  return figures;
}

export function kernelsMarkdown(options: KernelBenchOptions, figures: KernelFigure[]): string[] {
  const lines = [
    `## WebGPU convolution kernels (batch ${options.batch}, inputs at ${options.scale} of the models' own size)`,
    '',
    '| model | op | shape | tfjs ms | own ms | tfjs GFLOP/s | own GFLOP/s | own ÷ tfjs time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const own = figures.filter((f) => f.impl === 'own');
  let slower = 0;
  for (const o of own) {
    const t = figures.find(
      (f) => f.impl === 'tfjs' && f.model === o.model && f.op === o.op && f.shape === o.shape,
    );
    const ratio = t ? o.ms / t.ms : NaN;
    if (!(ratio <= 1)) slower++;
    lines.push(
      `| ${o.model} | ${o.op} | ${o.shape} | ${figure(t?.ms ?? NaN)} | ${figure(o.ms)} | ${figure(t?.gflops ?? NaN)} | ${figure(o.gflops)} | ${figure(ratio)} |`,
    );
  }
  lines.push(
    '',
    `Target: the own kernel at least as fast as tfjs's on every shape: ${slower === 0 ? 'met' : `**not met** on ${slower} of ${own.length}`}.`,
    '',
  );
  return lines;
}
