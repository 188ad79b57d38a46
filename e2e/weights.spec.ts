/**
 * ImageNet weights from the files Keras and PyTorch download, dropped on the Classifier stage's
 * "Add ImageNet weights…": Keras's DenseNet121 no-top .h5 and a torchvision .safetensors load 241
 * of 241 layers and stay after a reload; a pickled .pth and a file that is not HDF5 are refused
 * with the reason, and change nothing. The seed's own Keras 2 models (`model.save()` .h5 of its
 * SegNet and classifier) import as runs that diagnose a photo.
 */
import { expect, test } from './fixtures.ts';
import { writePhotos } from './support/photos.ts';
import { TRAINING_BACKEND } from './support/trainingBackend.ts';
import {
  KERAS_NOTOP,
  NOT_HDF5,
  PTH,
  SEED_CLASSIFIER_H5,
  SEED_SEGNET_H5,
  TORCHVISION,
} from './support/weightFixtures.ts';

test('ImageNet weights straight from Keras .h5 and PyTorch .safetensors files', async ({
  page,
}) => {
  await page.goto('/');
  const input = page.getByTestId('pretrained-input');
  await expect(input).toBeEnabled({ timeout: 120_000 });
  const report = page.getByTestId('pretrained-report');
  const error = page.getByTestId('pretrained-error');

  await input.setInputFiles(NOT_HDF5);
  await expect(error).toContainText('broken.h5: not an HDF5 file');
  await input.setInputFiles(PTH);
  await expect(error).toContainText('densenet121-a639ec97.pth');
  await expect(error).toContainText('safetensors');
  await expect(report).toHaveCount(0);

  await input.setInputFiles(KERAS_NOTOP);
  await expect(report).toContainText('Loaded 241 of 241 layers with weights.', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('pretrained')).toContainText(
    'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5 (241 of 241 layers matched',
  );
  await expect(error).toHaveCount(0);
  await page.reload();
  await expect(report).toContainText('Loaded 241 of 241 layers with weights.');
  await expect(input).toBeEnabled({ timeout: 120_000 });
  // Wait out the backend's start: the import runs on the compute worker.
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready', {
    timeout: 120_000,
  });

  await input.setInputFiles(TORCHVISION);
  await expect(page.getByTestId('pretrained')).toContainText(
    'densenet121.safetensors (241 of 241 layers matched',
    { timeout: 120_000 },
  );
});

test('the seed’s own Keras models import as runs, and diagnose a photo', async ({
  page,
}, testInfo) => {
  const photos = writePhotos(testInfo.outputPath());
  await page.goto('/');
  const input = page.getByTestId('import-model');
  await expect(input).toBeEnabled({ timeout: 120_000 });
  await expect(page.getByTestId('photo-input')).toBeDisabled();

  await input.setInputFiles(SEED_SEGNET_H5);
  await expect(page.getByTestId('segnet-run').first()).toContainText('segnet_model.h5', {
    timeout: 120_000,
  });
  await input.setInputFiles(SEED_CLASSIFIER_H5);
  await expect(page.getByTestId('classifier-run').first()).toContainText(
    'densenet_melanoma_model.h5',
    { timeout: 120_000 },
  );

  await expect(page.getByTestId('photo-input')).toBeEnabled();
  await page.getByTestId('photo-input').setInputFiles(photos.melanomas[0] as string);
  const status = page.getByTestId('diagnose-status');
  await expect(status).toHaveAttribute('data-state', 'done', { timeout: 180_000 });
  const score = Number(await page.getByTestId('melanoma-score').getAttribute('data-value'));
  expect(score).toBeGreaterThanOrEqual(0);
  expect(score).toBeLessThanOrEqual(1);
  await page.screenshot({ path: testInfo.outputPath('seed-models.png'), fullPage: true });
});

// About a minute on WebAssembly here: DenseNet-121's features of the demo's images at 224 px once,
// then two epochs of the head.
test('a frozen-backbone run trains from the Keras ImageNet weights', async ({ page }) => {
  test.setTimeout(15 * 60_000);
  await page.goto(`/?preset=recommended&backend=${TRAINING_BACKEND}`);
  await expect(page.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');
  await page.getByTestId('pretrained-input').setInputFiles(KERAS_NOTOP);
  await expect(page.getByTestId('pretrained-report')).toContainText('Loaded 241 of 241', {
    timeout: 120_000,
  });
  const use = page.getByTestId('use-pretrained');
  await expect(use).toBeEnabled();
  await use.check();

  await page.getByTestId('mask-source').selectOption('truth');
  await page.getByTestId('apply-masks').click();
  await expect(page.getByTestId('mask-status')).toHaveAttribute('data-state', 'done', {
    timeout: 180_000,
  });
  await page.getByTestId('classifier-mode').selectOption('frozen');
  await page.getByTestId('classifier-epochs').fill('2');
  await page.getByTestId('train-classifier').click();
  await expect(page.getByTestId('classifier-status')).toHaveAttribute('data-state', 'done', {
    timeout: 12 * 60_000,
  });
  const run = page.getByTestId('classifier-run').first();
  await expect(run).toHaveAttribute('data-status', /finished|early-stop/);
  await expect(page.getByTestId('classifier-run-recipe')).toContainText(
    'From ImageNet weights (241 of 241 layers), frozen backbone',
  );
});
