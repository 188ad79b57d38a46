/**
 * `npm run bench`: runs every benchmark (or `--only=` one) in headless Chromium, writes
 * bench/results/latest.json and latest.md (latest-<only>.* with --only), and prints the seconds
 * each benchmark took. Its options are bench/options.ts's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeMachine } from './browser.ts';
import { benchChoice, choiceMarkdown, isChoiceFailure } from './choice.ts';
import { benchDenseNet, densenetMarkdown, isDenseNetFailure } from './densenet.ts';
import { benchDiagnose, diagnoseMarkdown, isDiagnoseFailure } from './diagnose.ts';
import { ingestMarkdown, runIngest } from './ingest.ts';
import { benchScale, scaleMarkdown } from './scale.ts';
import { benchWeights, weightsMarkdown } from './weights.ts';
import { benchQuality } from './quality.ts';
import { qualityMarkdown } from './qualityReport.ts';
import { benchSegNet, isFailure, segnetMarkdown } from './segnet.ts';
import { closeBenchServer, openBenchServer } from './common/driver.ts';
import { benchKernels, kernelsMarkdown } from './kernels.ts';
import { benchEngine, engineMarkdown } from './engine.ts';
import { benchStep, isStepFailure, stepMarkdown } from './step.ts';
import {
  BENCHMARKS,
  densenetOptions,
  diagnoseOptions,
  engineOptions,
  kernelOptions,
  only,
  qualityOptions,
  quick,
  runs,
  scaleOptions,
  segnetOptions,
  stepOptions,
} from './options.ts';

const RESULTS = join(import.meta.dirname, 'results');

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
  const ingest = await timed('ingest', () => runIngest(quick));
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
