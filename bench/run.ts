/**
 * `npm run bench -- [--quick] [--seed] [--only=ingest|segnet]`: runs every benchmark in headless
 * Chromium and writes bench/results/latest.json and latest.md (latest-<only>.* with --only).
 * `--quick` is a smoke version (smaller sizes, one run). The SegNet training benchmark measures the
 * quick preset's SegNet by default (the seed's trains at a few hundredths of an image a second on a
 * software GPU); `--seed` measures the seed's, for a machine with a real GPU. SegNet options:
 * --segnet-images=N (a whole number of batches), --segnet-epochs=E, --segnet-backends=webgpu,cpu.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, isBackendName, type BackendName } from '../src/pipeline/backends.ts';
import { describeMachine, startEnvironment, stopEnvironment } from './browser.ts';
import { benchIngest, type IngestFigure } from './ingest.ts';
import { benchSegNet, isFailure, segnetMarkdown, type SegNetBenchOptions } from './segnet.ts';

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
// npm has an `only` setting of its own: `npm run bench -- --only=segnet`.
const only = option('only', false);
if (only !== undefined && only !== 'ingest' && only !== 'segnet')
  throw new Error(`--only takes ingest or segnet (got ${only})`);

const backends = (option('segnet-backends') ?? BACKENDS.join(',')).split(',').map((name) => {
  if (!isBackendName(name)) throw new Error(`Unknown backend in --segnet-backends: ${name}`);
  return name;
}) as BackendName[];

const segnetOptions: SegNetBenchOptions = {
  preset: flag('seed') ? 'seed' : 'quick',
  backends,
  images: count('segnet-images', quick ? 32 : 64, 1),
  valImages: 8,
  // At least two: the first epoch is warm-up and is not timed.
  epochs: count('segnet-epochs', quick ? 3 : 5, 2),
  storedSize: 256,
  timeoutMs: 30 * 60_000,
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

async function runIngest(): Promise<IngestFigure[]> {
  console.log('Building the app…');
  execSync('npm run build', { stdio: 'ignore' });
  const env = await startEnvironment();
  try {
    return await benchIngest(env, quick ? [50, 100] : [200, 800], quick ? 1 : 3);
  } finally {
    await stopEnvironment(env);
  }
}

async function main(): Promise<void> {
  const machine = describeMachine();
  console.log(`Benchmarks on ${machine.cpu} (${machine.cores} cores), ${machine.browser}`);
  const ingest = only === 'segnet' ? undefined : await runIngest();
  const segnet = only === 'ingest' ? undefined : await benchSegNet(segnetOptions);
  const results = {
    date: new Date().toISOString(),
    quick,
    machine,
    ...(ingest ? { ingest } : {}),
    ...(segnet ? { segnet: { options: segnetOptions, figures: segnet } } : {}),
  };
  const name = only ? `latest-${only}` : 'latest';
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.json`), JSON.stringify(results, null, 2) + '\n');
  const table = [
    `Machine: ${JSON.stringify(machine)}`,
    '',
    ...ingestMarkdown(ingest),
    ...(segnet ? segnetMarkdown(segnetOptions, segnet) : []),
  ].join('\n');
  writeFileSync(join(RESULTS, `${name}.md`), table);
  console.log(`\n${table}\nWrote bench/results/${name}.json and ${name}.md`);
  // A backend that could not train is an error; a missed target is a figure.
  if (segnet?.some(isFailure)) process.exitCode = 1;
}

await main();
