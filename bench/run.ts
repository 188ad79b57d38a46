/**
 * `npm run bench [-- --quick]`: builds the app, runs every benchmark in headless Chromium and writes
 * bench/results/latest.json and latest.md. `--quick` is a smoke version (smaller sizes, one run).
 */
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEnvironment, stopEnvironment } from './browser.ts';
import { benchIngest, type IngestFigure } from './ingest.ts';

const quick = process.argv.includes('--quick') || process.env.npm_config_quick === 'true';
const RESULTS = join(import.meta.dirname, 'results');

function markdown(machine: object, ingest: IngestFigure[]): string {
  const f = (n: number) => n.toFixed(1);
  const rows = ingest.map(
    (r) =>
      `| ${r.images} | ${f(r.app.median)} (${f(r.app.min)}–${f(r.app.max)}) | ${f(r.baseline.median)} (${f(r.baseline.min)}–${f(r.baseline.max)}) | ${r.ratio.toFixed(2)} ${r.ratio >= 0.7 ? '(meets ≥ 0.7)' : '(misses ≥ 0.7)'} | ${r.peakMemoryMB.toFixed(0)} |`,
  );
  return [
    `Machine: ${JSON.stringify(machine)}`,
    '',
    '### Ingest, 1024x768 JPEGs → 256x256 stored (images/s, median and range)',
    '',
    '| images | app | bare createImageBitmap | ratio | peak memory, page + workers (MB) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  console.log('Building the app…');
  execSync('npm run build', { stdio: 'ignore' });
  const env = await startEnvironment();
  try {
    console.log(
      `Benchmarks on ${env.machine.cpu} (${env.machine.cores} cores), ${env.machine.browser}`,
    );
    const ingest = await benchIngest(env, quick ? [50, 100] : [200, 800], quick ? 1 : 3);
    const results = { date: new Date().toISOString(), quick, machine: env.machine, ingest };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(join(RESULTS, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
    const table = markdown(env.machine, ingest);
    writeFileSync(join(RESULTS, 'latest.md'), table);
    console.log(`\n${table}\nWrote bench/results/latest.json and latest.md`);
  } finally {
    await stopEnvironment(env);
  }
}

await main();
