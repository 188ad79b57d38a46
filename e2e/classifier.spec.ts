/**
 * The Classifier stage on the training backend (support/trainingBackend.ts), with the quick preset on the
 * bundled synthetic demo dataset: ground-truth masks applied, a tiny DenseNet trained with a frozen
 * backbone and fine-tuned, both telling melanoma apart on the validation split; the fine-tuned
 * model exported as tfjs Layers files and imported again predicts the same.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { TRAINING_BACKEND } from './support/trainingBackend.ts';
import { writeKerasStem } from './support/kerasLikeModel.ts';

test.setTimeout(12 * 60_000);

async function train(page: Page, mode: 'frozen' | 'fine-tune'): Promise<Locator> {
  await page.getByTestId('classifier-mode').selectOption(mode);
  await page.getByTestId('train-classifier').click();
  const status = page.getByTestId('classifier-status');
  await expect(status).toHaveAttribute('data-state', 'running');
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  const run = page.getByTestId('classifier-run').first();
  await expect(run).toHaveAttribute('data-status', /finished|early-stop/);
  return run;
}

const bestAuc = async (page: Page) =>
  Number(await page.getByTestId('classifier-best-auc').getAttribute('data-value'));

test('the classifier learns melanoma in both modes, and an exported model imports with the same predictions', async ({
  page,
}, testInfo) => {
  await page.goto(`/?preset=quick&backend=${TRAINING_BACKEND}`);
  await expect(page.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');

  // Nothing to learn from yet: the stage says what to do first.
  await expect(page.getByTestId('train-classifier')).toBeDisabled();
  await expect(page.getByTestId('classifier-status')).toContainText('Apply masks');

  // ImageNet weights: a file without its model.json is refused with a reason; a converted Keras
  // model (here only its stem) is checked layer by layer and kept, with a report.
  const [modelJson, weightsBin] = await writeKerasStem(testInfo.outputPath());
  await page.getByTestId('pretrained-input').setInputFiles([weightsBin as string]);
  await expect(page.getByTestId('pretrained-error')).toContainText('no .json file');
  await page
    .getByTestId('pretrained-input')
    .setInputFiles([modelJson as string, weightsBin as string]);
  await expect(page.getByTestId('pretrained-report')).toContainText('Loaded 2 of 241 layers');
  // They fit DenseNet-121 only: the quick preset's tiny DenseNet trains from scratch.
  await expect(page.getByTestId('use-pretrained')).toBeDisabled();

  // Whole frames, as this spec was written for: on the demo's crops the random frozen backbone's
  // 10 epochs reached a best AUC of only 0.73 in one of three fresh-clone runs (the crop is
  // covered by the segmentation and Diagnose specs).
  await page.getByTestId('mask-source').selectOption('truth');
  await page.getByTestId('mask-crop').uncheck();
  await page.getByTestId('apply-masks').click();
  await expect(page.getByTestId('mask-status')).toHaveAttribute('data-state', 'done', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('train-classifier')).toBeEnabled();

  // Frozen backbone: features once, then the head. A random backbone's features are small, so the
  // head needs a larger step than fine-tuning to move within a few epochs (they take seconds).
  await page.getByTestId('classifier-epochs').fill('10');
  await page.getByTestId('classifier-lr').fill('0.03');
  const frozen = await train(page, 'frozen');
  await expect(page.getByTestId('classifier-charts')).toHaveAttribute(
    'data-epochs',
    /^([1-9]|10)$/,
  );
  expect(await bestAuc(page)).toBeGreaterThan(0.8);
  const frozenId = await frozen.getAttribute('data-run-id');

  // Fine-tuning every layer, on oversampled, augmented batches, for the quick preset's 8 epochs (two
  // reached a best AUC of 0.797 in a run).
  await page.getByTestId('classifier-epochs').fill('8');
  await page.getByTestId('classifier-lr').fill('0.003');
  const tuned = await train(page, 'fine-tune');
  expect(await tuned.getAttribute('data-run-id')).not.toBe(frozenId);
  expect(await bestAuc(page)).toBeGreaterThan(0.8);
  await expect(page.getByTestId('classifier-run')).toHaveCount(2);
  const original = page.getByTestId('classifier-prediction').first();
  const key = await original.getAttribute('data-key');
  const probabilities = JSON.parse(
    (await original.getAttribute('data-probabilities')) ?? '[]',
  ) as number[];
  expect(probabilities).toHaveLength(3);

  // Export: model.json and its weights, in tfjs Layers format.
  const downloads: string[] = [];
  const saved: Promise<void>[] = [];
  page.on('download', (download) => {
    const path = testInfo.outputPath(download.suggestedFilename());
    downloads.push(path);
    saved.push(download.saveAs(path));
  });
  await tuned.getByTestId('export-run').click();
  await expect.poll(() => downloads.length).toBe(2);
  // Both files written before they are read (a busy machine once read one before it was there).
  await Promise.all(saved);
  const json = downloads.find((d) => d.endsWith('.json')) as string;
  expect(readFileSync(json, 'utf8').length).toBeGreaterThan(0);
  const exported = JSON.parse(readFileSync(json, 'utf8')) as {
    format: string;
    weightsManifest: { paths: string[] }[];
    userDefinedMetadata: { lesionLab: { labels: string[] } };
  };
  expect(exported.format).toBe('layers-model');
  expect(exported.userDefinedMetadata.lesionLab.labels).toEqual([
    'nevus',
    'melanoma',
    'seborrheic_keratosis',
  ]);

  // Import: a third run, which predicts the same image as the original did.
  await page.getByTestId('import-model').setInputFiles(downloads);
  await expect(page.getByTestId('classifier-run')).toHaveCount(3);
  const imported = page.getByTestId('classifier-run').filter({ hasText: 'Imported from' });
  await expect(imported).toHaveCount(1);
  await imported.click();
  const again = page.locator(`[data-testid="classifier-prediction"][data-key="${key}"]`);
  await expect(again).toBeVisible();
  const importedProbabilities = JSON.parse(
    (await again.getAttribute('data-probabilities')) ?? '[]',
  ) as number[];
  importedProbabilities.forEach((p, i) => expect(p).toBeCloseTo(probabilities[i] as number, 5));
});
