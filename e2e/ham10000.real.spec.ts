/**
 * The whole pipeline on real images (`npm run test:real`, never `npm test`): HAM10000 from the
 * real-data folder beside the repository (SHARED_DATA), all 10,015 images with their lesion masks,
 * stored at 128 px, through every stage with the quick preset on the training backend: ingest,
 * SegNet, masking with the SegNet's masks, the classifier, evaluation on the test split, and one
 * real photo diagnosed. The figures are printed for the record; the asserted floors are what a
 * model that learned real lesions clears and one at chance does not.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { CLASSES, SPLITS } from '../src/dataset/types.ts';
import { sharedData } from '../scripts/sharedData.ts';
import { expect, test } from './fixtures.ts';
import { TRAINING_BACKEND } from './support/trainingBackend.ts';

test.setTimeout(60 * 60_000);

const MINUTE = 60_000;
const value = async (page: Page, id: string) =>
  Number(await page.getByTestId(id).getAttribute('data-value'));

test('HAM10000: ingest, SegNet, masking, classifier, evaluation and Diagnose on real lesions', async ({
  page,
}, testInfo) => {
  const ham = sharedData('ham10000');
  const figures: Record<string, number> = {};
  const started = Date.now();
  const lap = (name: string, since: number) => {
    figures[`${name} seconds`] = Math.round((Date.now() - since) / 1000);
    console.log(`${name}: ${figures[`${name} seconds`]} s`);
  };

  await page.goto(`/?preset=quick&backend=${TRAINING_BACKEND}`);
  await expect(page.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await page.getByTestId('stored-size').selectOption('128');
  let since = Date.now();
  await page.getByTestId('folder-input').setInputFiles(ham);
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done', {
    timeout: 20 * MINUTE,
  });
  lap('ingest', since);
  // HAM10000: 6,705 nevus, 1,113 melanoma, 1,099 benign keratosis; the 1,098 others left out.
  const total = async (cls: string) => {
    let sum = 0;
    for (const split of SPLITS) sum += await value(page, `count-${split}-${cls}`);
    return sum;
  };
  expect([
    await total('nevus'),
    await total('melanoma'),
    await total('seborrheic_keratosis'),
  ]).toEqual([6705, 1113, 1099]);
  expect(await total('masks')).toBe(8917);
  for (const split of SPLITS)
    figures[`${split} images`] = await value(page, `count-${split}-total`);

  since = Date.now();
  await page.getByTestId('train-segnet').click();
  await expect(page.getByTestId('segnet-status')).toHaveAttribute('data-state', 'done', {
    timeout: 30 * MINUTE,
  });
  lap('SegNet', since);
  figures['SegNet val Dice'] = await value(page, 'segnet-val-dice');
  figures['SegNet val Jaccard'] = await value(page, 'segnet-val-jaccard');
  expect(figures['SegNet val Dice']).toBeGreaterThan(0.75);

  since = Date.now();
  await expect(page.getByTestId('mask-source')).toHaveValue(/^segnet:/);
  await page.getByTestId('apply-masks').click();
  await expect(page.getByTestId('mask-status')).toHaveAttribute('data-state', 'done', {
    timeout: 20 * MINUTE,
  });
  lap('masking', since);

  since = Date.now();
  await page.getByTestId('classifier-mode').selectOption('fine-tune');
  await page.getByTestId('train-classifier').click();
  await expect(page.getByTestId('classifier-status')).toHaveAttribute('data-state', 'done', {
    timeout: 45 * MINUTE,
  });
  lap('classifier', since);

  since = Date.now();
  await page.getByTestId('eval-split').selectOption('test');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('eval-status')).toHaveAttribute('data-state', 'done', {
    timeout: 10 * MINUTE,
  });
  lap('evaluation', since);
  for (const id of ['auc-melanoma', 'auc-sk', 'auc-mean', 'f1-melanoma', 'accuracy'])
    figures[`test ${id}`] = await value(page, id);
  let evaluated = 0;
  for (const t of CLASSES) for (const p of CLASSES) evaluated += await value(page, `cm-${t}-${p}`);
  expect(evaluated).toBe(figures['test images']);
  expect(figures['test auc-melanoma']).toBeGreaterThan(0.7);

  // One real photo, as a person drops it: the original 200x150 JPEG.
  const photos = join(ham, 'HAM10000_images');
  const photo = readdirSync(photos).sort()[0] as string;
  await page.getByTestId('photo-input').setInputFiles(join(photos, photo));
  await expect(page.getByTestId('diagnose-status')).toHaveAttribute('data-state', 'done', {
    timeout: 5 * MINUTE,
  });
  const score = await value(page, 'melanoma-score');
  expect(score).toBeGreaterThanOrEqual(0);
  expect(score).toBeLessThanOrEqual(1);

  figures['total seconds'] = Math.round((Date.now() - started) / 1000);
  console.log(`HAM10000 pipeline figures: ${JSON.stringify(figures, null, 2)}`);
  await testInfo.attach('figures.json', {
    body: JSON.stringify(figures, null, 2),
    contentType: 'application/json',
  });
  await page.screenshot({ path: testInfo.outputPath('evaluation.png'), fullPage: true });
});
