/**
 * Backend choice by measurement: the first training of a model times one step on every backend
 * in probe workers, trains on the fastest, shows the figures in the performance panel, and keeps
 * them for this device (a reload starts on the fastest); the person can still force a backend.
 */
import type { Page } from '@playwright/test';
import { BACKENDS } from '../src/pipeline/backends.ts';
import { expect, test } from './fixtures.ts';

test.setTimeout(6 * 60_000);

/** Trains until the performance panel shows the run's figures, checks them, and stops. */
async function trainThenStop(page: Page, screenshot?: string): Promise<void> {
  const status = page.getByTestId('segnet-status');
  const choice = page.getByTestId('backend-preference');
  await page.getByTestId('train-segnet').click();
  await expect(status).toHaveAttribute('data-state', 'running');
  // From the start (while the backends are timed, before the first batch), the backend stays.
  await expect(choice).toBeDisabled();
  await expect(choice).toHaveAttribute(
    'title',
    'The backend cannot change while training the SegNet: it can once that finishes.',
  );
  await expect(page.getByTestId('perf-images-per-second')).not.toHaveAttribute('data-value', '', {
    timeout: 180_000,
  });
  const figure = async (testId: string) =>
    Number(await page.getByTestId(testId).getAttribute('data-value'));
  expect(await figure('perf-images-per-second')).toBeGreaterThan(0);
  expect(await figure('perf-tensors')).toBeGreaterThan(0);
  expect(await figure('perf-memory')).toBeGreaterThan(0);
  if (screenshot) await page.screenshot({ path: test.info().outputPath(screenshot) });
  await page.getByTestId('stop-training').click();
  await expect(status).toHaveAttribute('data-state', 'idle', { timeout: 120_000 });
  await expect(choice).toBeEnabled();
  await expect(choice).not.toHaveAttribute('title');
}

test('the first training times every backend, trains on the fastest, and keeps the timing', async ({
  page,
}) => {
  const probes: string[] = [];
  page.on('worker', (worker) => {
    if (worker.url().includes('probe')) probes.push(worker.url());
  });
  await page.goto('/?preset=quick');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');
  await page.getByTestId('perf-panel').locator('summary').click();
  await expect(page.getByTestId('backend-preference')).toHaveValue('auto');

  await trainThenStop(page, 'performance-panel.png');
  const measurement = page.getByTestId('backend-measurement');
  await expect(measurement).toHaveAttribute('data-state', 'done');
  expect(probes).toHaveLength(BACKENDS.length);
  const rates = new Map<string, number>();
  for (const backend of BACKENDS) {
    const value = await page
      .getByTestId(`backend-timing-${backend}`)
      .getAttribute('data-images-per-second');
    rates.set(backend, value ? Number(value) : 0);
  }
  const fastest = await measurement.getAttribute('data-fastest');
  const best = Math.max(...rates.values());
  expect(best).toBeGreaterThan(0);
  expect(rates.get(fastest ?? '')).toBe(best);
  await expect(page.getByTestId('backend')).toHaveText(fastest ?? '');
  await expect(page.getByTestId('adapter')).toContainText('(fastest measured)');

  // A reload keeps the timing: the app starts on the fastest backend, and the next training
  // measures nothing and trains there.
  probes.length = 0;
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('backend')).toHaveText(fastest ?? '');
  await expect(measurement).toHaveAttribute('data-state', 'done');
  await trainThenStop(page);
  expect(probes).toHaveLength(0);
  await expect(page.getByTestId('backend')).toHaveText(fastest ?? '');

  // The person can force another backend.
  await page.getByTestId('perf-panel').locator('summary').click();
  const other = BACKENDS.find((b) => b !== fastest && b !== 'webgpu') ?? 'cpu';
  await page.getByTestId('backend-preference').selectOption(other);
  await expect(page.getByTestId('backend')).toHaveText(other);
  await expect(page.getByTestId('adapter')).toContainText('(forced)');
});
