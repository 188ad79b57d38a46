/**
 * ImageNet weight import (`npm run bench -- --only=weights`): Keras's DenseNet121 no-top `.h5`
 * (28 MB) and the same weights as a torchvision `.safetensors`, dropped on the Classifier stage's
 * "Add ImageNet weights…" in the app on the benchmark's dev server: seconds from the drop to the
 * report (read a layer at a time in the compute worker, copied, stored in IndexedDB), and the peak
 * memory of the page and its workers meanwhile.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { writeDenseNet121Weights } from '../scripts/synthetic-weights/densenet121.ts';
import { LAUNCH_OPTIONS } from './browser.ts';
import { benchPage } from './common/driver.ts';
import { sampleMemory } from './ingest.ts';

const MB = 2 ** 20;

export interface WeightsFigure {
  file: string;
  bytes: number;
  seconds: number;
  peakMemoryMB: number;
  report: string;
}

export async function benchWeights(): Promise<WeightsFigure[]> {
  const files = await writeDenseNet121Weights(join(import.meta.dirname, '.data', 'weights'));
  const figures: WeightsFigure[] = [];
  for (const path of [files.keras, files.torchvision]) {
    const browser = await chromium.launch(LAUNCH_OPTIONS);
    try {
      const page = await browser.newPage();
      await page.goto(await benchPage(''));
      await page
        .getByTestId('backend')
        .and(page.locator('[data-state=ready]'))
        .waitFor({ timeout: 180_000 });
      const memory = sampleMemory(page);
      const started = performance.now();
      await page.getByTestId('pretrained-input').setInputFiles(path);
      const report = page.getByTestId('pretrained-report').or(page.getByTestId('pretrained-error'));
      await report.waitFor({ timeout: 300_000 });
      const seconds = (performance.now() - started) / 1000;
      const figure = {
        file: path.split('/').at(-1) ?? path,
        bytes: statSync(path).size,
        seconds,
        peakMemoryMB: (await memory.stop()) / MB,
        report: await report.innerText(),
      };
      console.log(`  ${JSON.stringify(figure)}`);
      figures.push(figure);
    } finally {
      await browser.close();
    }
  }
  return figures;
}

export function weightsMarkdown(figures: WeightsFigure[]): string[] {
  return [
    '### ImageNet weights import (DenseNet-121, through the app)',
    '',
    '| file | MB | seconds, drop to report | peak memory, page + workers (MB) | report |',
    '| --- | --- | --- | --- | --- |',
    ...figures.map(
      (f) =>
        `| ${f.file} | ${(f.bytes / MB).toFixed(1)} | ${f.seconds.toFixed(1)} | ${f.peakMemoryMB.toFixed(0)} | ${f.report} |`,
    ),
    '',
  ];
}
