/**
 * What every benchmark needs: the built app served by `vite preview`, and Debian's Chromium as
 * the e2e tests run it (real WebGPU on whatever adapter the machine has).
 */
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { chromium, type Browser } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.ts';

const PORT = 4175;

export type Machine = { cpu: string; cores: number; memoryGiB: number; browser: string };

export interface Environment {
  app: PreviewServer;
  browser: Browser;
  url: string;
  machine: Machine;
}

/** How every benchmark launches Chromium (`chromium.launch` or `launchPersistentContext`). */
export const LAUNCH_OPTIONS = {
  executablePath: CHROMIUM_PATH,
  args: [
    ...CHROMIUM_ARGS,
    // performance.measureUserAgentSpecificMemory() answers at once instead of at the next GC.
    '--enable-blink-features=ForceEagerMeasureMemory',
  ],
};

export function describeMachine(): Machine {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    browser: execFileSync(CHROMIUM_PATH, ['--version']).toString().trim(),
  };
}

export async function startEnvironment(): Promise<Environment> {
  const app = await preview({ preview: { port: PORT, strictPort: true }, logLevel: 'warn' });
  const browser = await chromium.launch(LAUNCH_OPTIONS);
  return { app, browser, url: `http://localhost:${PORT}/`, machine: describeMachine() };
}

export async function stopEnvironment(env: Environment): Promise<void> {
  await env.browser.close();
  await new Promise<void>((resolve) => env.app.httpServer.close(() => resolve()));
}

/** Median and spread (min, max) of repeated measurements. */
export function stats(values: number[]): {
  median: number;
  min: number;
  max: number;
  runs: number;
} {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted.at(-1) ?? NaN, runs: values.length };
}
