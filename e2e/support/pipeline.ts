/** Steps through the pipeline that several specs take on the way to what they test. */
import { expect, type Page } from '@playwright/test';

/** Loads the bundled demo dataset and masks every image with its ground truth. */
export async function demoWithTruthMasks(page: Page): Promise<void> {
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');
  await page.getByTestId('mask-source').selectOption('truth');
  await page.getByTestId('apply-masks').click();
  await expect(page.getByTestId('mask-status')).toHaveAttribute('data-state', 'done', {
    timeout: 120_000,
  });
}

/** Fine-tunes the preset's classifier for `epochs` epochs and waits, up to `timeout` ms, for it. */
export async function fineTuneClassifier(
  page: Page,
  epochs: number,
  timeout = 240_000,
): Promise<void> {
  await page.getByTestId('classifier-mode').selectOption('fine-tune');
  await page.getByTestId('classifier-epochs').fill(String(epochs));
  await page.getByTestId('train-classifier').click();
  await expect(page.getByTestId('classifier-status')).toHaveAttribute('data-state', 'done', {
    timeout,
  });
}
