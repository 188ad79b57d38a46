/**
 * The Evaluation stage on the training backend (support/trainingBackend.ts) with the quick preset: a classifier trained on the demo data is
 * evaluated on the validation split; the figures, the confusion matrix and the operating point move
 * with the threshold and with test-time augmentation and calibration; predictions.csv and
 * metrics.json download, agree with the page, and the metrics recomputed from the exported
 * predictions agree with metrics.json.
 */
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { CLASSES } from '../src/dataset/types.ts';
import { parsePredictionsCsv, splitMetrics, type SplitMetrics } from '../src/metrics/report.ts';
import { expect, test } from './fixtures.ts';
import { demoWithTruthMasks, fineTuneClassifier } from './support/pipeline.ts';
import { TRAINING_BACKEND } from './support/trainingBackend.ts';

test.setTimeout(8 * 60_000);

const value = async (page: Page, id: string) =>
  Number(await page.getByTestId(id).getAttribute('data-value'));

async function download(page: Page, testId: string, path: (name: string) => string) {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(testId).click(),
  ]);
  const target = path(file.suggestedFilename());
  await file.saveAs(target);
  return readFileSync(target, 'utf8');
}

test('evaluation shows AUC, F1 and confusion matrices that follow the threshold, and exports agree', async ({
  page,
}, testInfo) => {
  await page.goto(`/?preset=quick&backend=${TRAINING_BACKEND}`);
  await expect(page.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await expect(page.getByTestId('eval-status')).toContainText('Train a classifier');
  await demoWithTruthMasks(page);
  // The quick preset's recipe: fine-tuning for 8 epochs, seconds on WebAssembly. (Its frozen mode
  // barely moves the head at the preset's learning rate: 5 frozen epochs gave AUC 0.19 in a run.)
  await fineTuneClassifier(page, 8);

  await expect(page.getByTestId('eval-split')).toHaveValue('val');
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('eval-status')).toHaveAttribute('data-state', 'done', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('roc-chart')).toBeVisible();
  // Test-time augmentation and calibration: both predictions were made, a temperature and class
  // biases were fitted on this (validation) split, and the figures follow the two switches.
  await expect(page.getByTestId('eval-tta')).toBeEnabled();
  await expect(page.getByTestId('eval-calibrated')).toBeChecked();
  const plainAuc = await value(page, 'auc-melanoma-plain');
  const ttaAuc = await value(page, 'auc-melanoma-tta');
  await page.getByTestId('eval-tta').setChecked(false);
  expect(await value(page, 'auc-melanoma')).toBe(plainAuc);
  await page.getByTestId('eval-tta').setChecked(true);
  expect(await value(page, 'auc-melanoma')).toBe(ttaAuc);
  // Age and sex from the demo's metadata CSVs: a calibration with them was fitted too, and the
  // figures follow their switch; the image-only figures are the same calibration without them.
  await expect(page.getByTestId('eval-clinical')).toBeEnabled();
  const imageAuc = await value(page, 'auc-melanoma-image');
  const clinicalAuc = await value(page, 'auc-melanoma-clinical');
  await page.getByTestId('eval-clinical').setChecked(false);
  expect(await value(page, 'auc-melanoma')).toBe(imageAuc);
  await expect(page.getByTestId('clinical-weight')).toHaveCount(0);
  await page.getByTestId('eval-clinical').setChecked(true);
  expect(await value(page, 'auc-melanoma')).toBe(clinicalAuc);
  const clinicalWeight = await value(page, 'clinical-weight');
  expect(Number.isFinite(clinicalWeight)).toBe(true);
  const temperature = await value(page, 'temperature');
  expect(temperature).toBeGreaterThan(0);
  // Every class is in the demo's validation split, so a bias was fitted for each (nevus's is 0).
  const biases = (await page.getByTestId('class-biases').getAttribute('data-value'))
    ?.split(',')
    .map(Number);
  expect(biases).toHaveLength(3);
  expect(biases?.[0]).toBe(0);
  expect(biases?.every(Number.isFinite)).toBe(true);
  const [ece, eceBefore] = [await value(page, 'ece'), await value(page, 'ece-uncalibrated')];
  for (const figure of [ece, eceBefore, await value(page, 'melanoma-ap')]) {
    expect(figure).toBeGreaterThanOrEqual(0);
    expect(figure).toBeLessThanOrEqual(1);
  }
  await expect(page.getByTestId('reliability-chart')).toBeVisible();
  await expect(page.getByTestId('pr-chart')).toBeVisible();
  // The demo data has no lesion ids: no per-lesion figures.
  await expect(page.getByTestId('lesion-count')).toHaveCount(0);
  const auc = await value(page, 'auc-melanoma');
  expect(auc).toBeGreaterThan(0.8);
  expect(await value(page, 'auc-sk')).toBeGreaterThan(0);
  expect(await value(page, 'auc-mean')).toBeCloseTo((auc + (await value(page, 'auc-sk'))) / 2, 10);
  const cells = async () => {
    const grid: number[][] = [];
    for (const t of CLASSES) {
      const row: number[] = [];
      for (const p of CLASSES) row.push(await value(page, `cm-${t}-${p}`));
      grid.push(row);
    }
    return grid;
  };
  const matrix = await cells();
  expect(matrix.flat().reduce((a, b) => a + b, 0)).toBe(20);

  // The threshold moves the melanoma decisions, not the AUC or the argmax matrix.
  const called = async () =>
    (await value(page, 'mcm-rest-melanoma')) + (await value(page, 'mcm-melanoma-melanoma'));
  await page.getByTestId('threshold').fill('0');
  await expect(page.getByTestId('threshold-value')).toHaveText('0.000');
  expect(await called()).toBe(20);
  expect(await value(page, 'sensitivity')).toBe(1);
  const f1AtZero = await value(page, 'f1-melanoma');
  await page.getByTestId('threshold').fill('0.5');
  expect(await called()).toBeLessThan(20);
  expect(await value(page, 'f1-melanoma')).not.toBe(f1AtZero);
  expect(await value(page, 'auc-melanoma')).toBe(auc);
  expect(await cells()).toEqual(matrix);
  // The threshold for 95% sensitivity calls every melanoma.
  await page.getByTestId('sensitivity-95').click();
  expect(await value(page, 'sensitivity')).toBeGreaterThanOrEqual(0.95);
  const threshold = Number(await page.getByTestId('threshold').inputValue());

  // Exports: the metrics agree with the page and with the exported predictions.
  const csv = await download(page, 'export-predictions', (n) => testInfo.outputPath(n));
  const metrics = JSON.parse(
    await download(page, 'export-metrics', (n) => testInfo.outputPath(n)),
  ) as {
    val: SplitMetrics;
  };
  expect(csv.split('\n')[0]).toBe(
    'image_id,split,label,p_nevus,p_melanoma,p_seborrheic_keratosis,licence,attribution',
  );
  expect(metrics.val.melanoma_auc).toBe(auc);
  expect(metrics.val.melanoma_ap).toBe(await value(page, 'melanoma-ap'));
  expect([metrics.val.tta, metrics.val.calibrated, metrics.val.temperature]).toEqual([
    true,
    true,
    temperature,
  ]);
  expect(metrics.val.class_biases).toEqual(biases);
  expect(metrics.val.clinical_weight).toBe(clinicalWeight);
  expect(metrics.val.ece).toBe(ece);
  expect(metrics.val.confusion).toEqual(matrix);
  expect(metrics.val.threshold).toBeCloseTo(threshold, 10);
  expect(metrics.val.melanoma_f1).toBe(await value(page, 'f1-melanoma'));
  const [predictions] = parsePredictionsCsv(csv);
  expect(predictions?.keys).toHaveLength(20);
  // The demo dataset's metadata gives no licences: both columns are empty.
  expect(new Set(predictions?.licences)).toEqual(new Set(['']));
  expect(new Set(predictions?.attributions)).toEqual(new Set(['']));
  const recomputed = splitMetrics(predictions as NonNullable<typeof predictions>, {
    threshold: metrics.val.threshold,
  });
  expect(recomputed.melanoma_auc).toBe(metrics.val.melanoma_auc);
  expect(recomputed.seborrheic_keratosis_auc).toBe(metrics.val.seborrheic_keratosis_auc);
  expect(recomputed.melanoma_f1).toBe(metrics.val.melanoma_f1);
  expect(recomputed.melanoma_confusion).toEqual(metrics.val.melanoma_confusion);

  // A reload shows the stored evaluation without predicting again.
  await page.reload();
  await expect(page.getByTestId('eval-status')).toHaveAttribute('data-state', 'done');
  expect(await value(page, 'auc-melanoma')).toBe(auc);
});
