/**
 * The convolution kernels on the GPU backends (`npm run bench -- --only=kernels`): every distinct
 * convolution shape of the seed SegNet and DenseNet-121, read off the models the app builds, timed
 * on the machine's WebGPU and WebGL with tfjs's kernel and with the app's own
 * (bench/kernels/page.ts), in milliseconds per call and GFLOP/s. A software adapter (SwiftShader)
 * needs minutes for the models' real sizes, so by default the shapes keep their channels and
 * filters at a smaller batch and input (`--kernels-batch`, `--kernels-scale`); `--kernels-full`
 * times them at batch 16 and the models' own input sizes, as on a real GPU (scripts/device-bench).
 * Where PyTorch sees a CUDA GPU (the lent device), its cuDNN kernels are timed on the same shapes
 * (bench/pytorch/kernels.py), with TF32 off and on. `--kernels-tiles` also times WebGPU's tiled
 * products with each of TILE_CANDIDATES' cuts on every shape: what choosing the tile per shape
 * would gain over the fixed plan.
 */

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { chromium } from '@playwright/test';
import { errorText } from '../src/lib/errorText.ts';
import { PYTHON, pytorchFailure } from './pytorch/python.ts';
import { convFlops, convInfo, type ConvCase } from '../src/kernels/convReference.ts';
import { buildDenseNet } from '../src/models/densenet.ts';
import { DENSENET_121_BACKBONE } from '../src/models/densenetConfig.ts';
import { buildSegNet } from '../src/models/segnet.ts';
import { SEGNET_SEED } from '../src/models/segnetConfig.ts';
import { LAUNCH_OPTIONS } from './browser.ts';
import { benchPage, figure } from './common/driver.ts';
import type { GpuBackend, KernelOp, KernelTiming } from './kernels/protocol.ts';
import type { TileChoice } from '../src/kernels/webgpu/gemmPlan.ts';

export interface KernelBenchOptions {
  backends: GpuBackend[];
  batch: number;
  /** Input edge as a share of each model's own (1: 200 px SegNet, 224 px DenseNet-121). */
  scale: number;
  /** Calls timed per shape and kernel, after one that compiles. */
  repeats: number;
  /** Only the first shapes of each model (the smoke run). */
  quick: boolean;
  /** Time TILE_CANDIDATES too (WebGPU). */
  tiles: boolean;
}

/**
 * Tile candidates for WebGPU's tiled products, by name (C's tile, rows x columns): bigger
 * register blocks (more products per element read from workgroup memory), a small workgroup for
 * small products, a tall narrow tile for DenseNet's 32-channel layers, and a split K aiming at
 * 2,048 workgroups rather than 512 (the filter gradient only).
 */
export const TILE_CANDIDATES: Record<string, Partial<TileChoice>> = {
  '128x64': { threadsM: 16, threadsN: 16, rows: 8, cols: 4 },
  '128x128': { threadsM: 16, threadsN: 16, rows: 8, cols: 8 },
  '32x32': { threadsM: 8, threadsN: 8, rows: 4, cols: 4 },
  '128x32': { threadsM: 16, threadsN: 16, rows: 8, cols: 2 },
  '256x32': { threadsM: 32, threadsN: 8, rows: 8, cols: 4 },
  'split 2048': { workgroups: 2048 },
  '128x64, split 2048': { threadsM: 16, threadsN: 16, rows: 8, cols: 4, workgroups: 2048 },
};

export interface KernelFigure extends KernelTiming {
  model: 'segnet' | 'densenet121';
  shape: string;
}

export interface KernelResults {
  figures: KernelFigure[];
  /** Why PyTorch was not timed (no CUDA GPU, no torch); absent when it was. */
  pytorch?: string;
  /** PyTorch's version and GPU, when it was timed. */
  pytorchDevice?: string;
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

/** cuDNN's kernels for the same ops on the same shapes, where PyTorch has a CUDA GPU. */
function pytorchTimings(
  cases: { model: KernelFigure['model']; c: ConvCase; op: KernelOp }[],
  repeats: number,
): Omit<KernelResults, 'figures'> & { figures: KernelFigure[] } {
  const input = cases.map(({ c, op }) => {
    const { padInfo } = convInfo(c);
    return {
      op,
      x: c.xShape,
      filter: c.filterShape,
      stride: c.stride,
      pads: [padInfo.top, padInfo.bottom, padInfo.left, padInfo.right],
    };
  });
  try {
    const output = execFileSync(
      PYTHON,
      [
        join(import.meta.dirname, 'pytorch', 'kernels.py'),
        '--repeats',
        String(Math.max(repeats, 5)),
      ],
      { input: JSON.stringify(input), encoding: 'utf8', timeout: 1_200_000 },
    );
    const result = JSON.parse(output.trim().split('\n').pop() ?? '{}') as {
      error?: string;
      torch?: string;
      device?: string;
      timings?: { case: number; tf32: boolean; ms: number }[];
    };
    if (result.error || !result.timings)
      return { figures: [], pytorch: result.error ?? 'no timings' };
    const figures = result.timings.map((t): KernelFigure => {
      const { model, c, op } = cases[t.case] as (typeof cases)[number];
      return {
        op,
        case: c,
        impl: t.tf32 ? 'pytorch-tf32' : 'pytorch',
        ms: t.ms,
        clock: 'gpu',
        gflops: convFlops(c) / t.ms / 1e6,
        model,
        shape: describe(c),
        backend: 'cuda',
      };
    });
    return { figures, pytorchDevice: `PyTorch ${result.torch} on ${result.device}` };
  } catch (error) {
    return { figures: [], pytorch: pytorchFailure(errorText(error)) };
  }
}

export async function benchKernels(options: KernelBenchOptions): Promise<KernelResults> {
  await tf.setBackend('cpu');
  const cases = modelCases(options);
  const browser = await chromium.launch(LAUNCH_OPTIONS);
  const figures: KernelFigure[] = [];
  try {
    const page = await browser.newPage();
    await page.goto(await benchPage('bench/kernels/index.html'));
    for (const backend of options.backends) {
      for (const model of ['segnet', 'densenet121'] as const) {
        for (const c of cases[model]) {
          const tiles = options.tiles ? TILE_CANDIDATES : {};
          const timings = (await page.evaluate(
            `window.timeKernels(${JSON.stringify([c])}, '${backend}', ${options.repeats}, ${JSON.stringify(tiles)})`,
          )) as KernelTiming[];
          for (const t of timings) {
            const row: KernelFigure = { ...t, model, shape: describe(c) };
            console.log(
              `  ${backend} ${model} ${row.op} ${row.shape}: ${row.impl}${row.tile ? ` ${row.tile}` : ''} ${figure(row.ms)} ms (${row.clock}; wall ${figure(row.wallMs ?? NaN)}), ${figure(row.gflops)} GFLOP/s`,
            );
            figures.push(row);
          }
        }
      }
    }
  } finally {
    await browser.close();
  }
  // The ops WebGPU's own kernels run (an input gradient at stride 1 only: the models' first layers
  // need none).
  const all = (['segnet', 'densenet121'] as const).flatMap((model) =>
    cases[model].flatMap((c) =>
      (['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'] as const)
        .filter((op) => op !== 'conv2dBackpropInput' || c.stride === 1)
        .map((op) => ({ model, c, op })),
    ),
  );
  const torch = pytorchTimings(all, options.repeats);
  console.log(`  PyTorch: ${torch.pytorchDevice ?? torch.pytorch}`);
  return { ...torch, figures: [...figures, ...torch.figures] };
}

export function kernelsMarkdown(options: KernelBenchOptions, results: KernelResults): string[] {
  const { figures } = results;
  const lines = [
    `## GPU convolution kernels (batch ${options.batch}, inputs at ${options.scale} of the models' own size)`,
    '',
    `PyTorch (cuDNN): ${results.pytorchDevice ?? `not timed: ${results.pytorch}`}.`,
    '',
    `Clock: of the WebGPU and WebGL times, ${figures.filter((f) => f.backend !== 'cuda' && f.clock === 'gpu').length} are the GPU's own (timestamp queries) and ${figures.filter((f) => f.backend !== 'cuda' && f.clock === 'wall').length} wall clock (calls queued back to back, one element of the last read); PyTorch's are CUDA events.`,
    '',
    '| backend | model | op | shape | tfjs ms | own ms | PyTorch ms (TF32) | tfjs GFLOP/s | own GFLOP/s | own ÷ tfjs time | own ÷ PyTorch time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const own = figures.filter((f) => f.impl === 'own' && !f.tile);
  const slower: Record<string, number> = {};
  const counted: Record<string, number> = {};
  let behindTorch = 0;
  for (const o of own) {
    const of = (impl: KernelFigure['impl'], backend: KernelFigure['backend'] = o.backend) =>
      figures.find(
        (f) =>
          f.impl === impl &&
          !f.tile &&
          f.backend === backend &&
          f.model === o.model &&
          f.op === o.op &&
          f.shape === o.shape,
      );
    const [t, torch, tf32] = [of('tfjs'), of('pytorch', 'cuda'), of('pytorch-tf32', 'cuda')];
    const ratio = t ? o.ms / t.ms : NaN;
    const torchRatio = torch ? o.ms / torch.ms : NaN;
    const key = `${o.backend} ${o.op}`;
    counted[key] = (counted[key] ?? 0) + 1;
    if (!(ratio <= 1)) slower[key] = (slower[key] ?? 0) + 1;
    if (o.backend === 'webgpu' && torchRatio > 2) behindTorch++;
    lines.push(
      `| ${o.backend} | ${o.model} | ${o.op} | ${o.shape} | ${figure(t?.ms ?? NaN)} | ${figure(o.ms)} | ${torch ? `${figure(torch.ms)} (${figure(tf32?.ms ?? NaN)})` : '–'} | ${figure(t?.gflops ?? NaN)} | ${figure(o.gflops)} | ${figure(ratio)} | ${figure(torchRatio)} |`,
    );
  }
  lines.push('');
  for (const [key, count] of Object.entries(counted)) {
    const n = slower[key] ?? 0;
    lines.push(
      `Target (${key}): the own kernel at least as fast as tfjs's on every shape: ${n === 0 ? `met (${count} shapes)` : `**not met** on ${n} of ${count}`}.`,
    );
  }
  if (results.pytorchDevice) {
    lines.push(
      `Target (webgpu): at most twice cuDNN's fp32 time on every shape: ${behindTorch === 0 ? 'met' : `**not met** on ${behindTorch}`}.`,
    );
  }
  lines.push('', ...tilesMarkdown(figures));
  return lines;
}

/**
 * The tile candidates against the fixed plan, by op: each candidate's summed time over the shapes,
 * the shapes it is fastest on, its time over the plan's (median, best, worst), and what the fastest
 * cut of each shape would take in all (choosing per shape at first use).
 */
function tilesMarkdown(figures: KernelFigure[]): string[] {
  const candidates = figures.filter((f) => f.impl === 'own' && f.backend === 'webgpu');
  if (!candidates.some((f) => f.tile)) return [];
  const lines = [
    '### Tile candidates (WebGPU, own kernels; "plan" is the fixed plan)',
    '',
    '| op | tile | shapes | sum of ms | fastest on | time ÷ plan: median | best | worst |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const ops = [...new Set(candidates.map((f) => f.op))];
  for (const op of ops) {
    const rows = candidates.filter((f) => f.op === op);
    const byShape = new Map<string, KernelFigure[]>();
    for (const f of rows) {
      const key = `${f.model} ${f.shape}`;
      byShape.set(key, [...(byShape.get(key) ?? []), f]);
    }
    const fastest = new Map<string, number>();
    let bestSum = 0;
    let planSum = 0;
    for (const shapeRows of byShape.values()) {
      const best = shapeRows.reduce((a, b) => (b.ms < a.ms ? b : a));
      fastest.set(best.tile ?? 'plan', (fastest.get(best.tile ?? 'plan') ?? 0) + 1);
      bestSum += best.ms;
      planSum += shapeRows.find((f) => !f.tile)?.ms ?? NaN;
    }
    for (const tile of [undefined, ...new Set(rows.flatMap((f) => (f.tile ? [f.tile] : [])))]) {
      const mine = rows.filter((f) => f.tile === tile);
      const ratios = mine
        .map((f) => {
          const plan = byShape.get(`${f.model} ${f.shape}`)?.find((p) => !p.tile);
          return plan ? f.ms / plan.ms : NaN;
        })
        .sort((a, b) => a - b);
      const sum = mine.reduce((total, f) => total + f.ms, 0);
      lines.push(
        `| ${op} | ${tile ?? 'plan'} | ${mine.length} | ${figure(sum)} | ${fastest.get(tile ?? 'plan') ?? 0} | ${figure(ratios[Math.floor(ratios.length / 2)] ?? NaN)} | ${figure(ratios[0] ?? NaN)} | ${figure(ratios.at(-1) ?? NaN)} |`,
      );
    }
    lines.push(
      `| ${op} | fastest of each shape | ${byShape.size} | ${figure(bestSum)} (plan ${figure(planSum)}) | | ${figure(bestSum / planSum)} of the plan's sum | | |`,
    );
  }
  lines.push('');
  return lines;
}
