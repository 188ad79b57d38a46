/**
 * The Diagnose stage on the training backend (support/trainingBackend.ts): with a SegNet and a classifier trained here (quick preset, demo
 * data), synthetic melanomas score higher than synthetic nevi, the lesion's measures and a given
 * age and sex join the score as the calibration learned them; every kind of bad photo gets a
 * reason and leaves the stage working; the Grad-CAM map is drawn; after a reload, and offline, the
 * stored models give the same score.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { TRAINING_BACKEND } from './support/trainingBackend.ts';
import { writePhotos } from './support/photos.ts';

test.setTimeout(10 * 60_000);

async function diagnose(page: Page, file: string): Promise<number> {
  await page.getByTestId('photo-input').setInputFiles(file);
  const status = page.getByTestId('diagnose-status');
  await expect(status).not.toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await expect(status).toHaveAttribute('data-state', 'done');
  return Number(await page.getByTestId('melanoma-score').getAttribute('data-value'));
}

async function refused(page: Page, file: string, reason: RegExp): Promise<void> {
  await page.getByTestId('photo-input').setInputFiles(file);
  await expect(page.getByTestId('diagnose-status')).toHaveAttribute('data-state', 'error', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('diagnose-error')).toContainText(reason);
}

test('a photo gets a mask, probabilities, a melanoma score and a Grad-CAM map; bad photos get reasons', async ({
  page,
}, testInfo) => {
  const photos = writePhotos(testInfo.outputPath());
  await page.goto(`/?preset=quick&backend=${TRAINING_BACKEND}`);
  await expect(page.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await expect(page.getByTestId('photo-input')).toBeDisabled();
  await expect(page.getByText('Train a SegNet in the Segmentation stage first')).toBeVisible();
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');

  // The quick preset's SegNet trained to its end (8 epochs at most), and its classifier fine-tuned
  // for its 8: seconds each on WebAssembly. (Two classifier epochs after a 3-epoch SegNet scored
  // the melanoma 0.013 and the nevus 0.073 in a run here.)
  await page.getByTestId('train-segnet').click();
  await expect(page.getByTestId('segnet-status')).toHaveAttribute('data-state', 'done', {
    timeout: 240_000,
  });
  // The classifier learns from the ground-truth masks (a short-trained SegNet's would make its
  // quality a matter of chance); photos are still masked by the SegNet.
  await page.getByTestId('mask-source').selectOption('truth');
  await page.getByTestId('apply-masks').click();
  await expect(page.getByTestId('mask-status')).toHaveAttribute('data-state', 'done', {
    timeout: 180_000,
  });
  await page.getByTestId('classifier-epochs').fill('8');
  await page.getByTestId('train-classifier').click();
  await expect(page.getByTestId('classifier-status')).toHaveAttribute('data-state', 'done', {
    timeout: 300_000,
  });
  await expect(page.getByTestId('photo-input')).toBeEnabled();

  // The maps are drawn for the first melanoma.
  const [firstMelanoma, ...otherMelanomas] = photos.melanomas as [string, ...string[]];
  const melanoma = await diagnose(page, firstMelanoma);
  await expect(page.getByTestId('gradcam')).toBeVisible();
  // The map has a hot spot (0..255), not an empty overlay.
  expect(Number(await page.getByTestId('gradcam').getAttribute('data-heat-max'))).toBeGreaterThan(
    0,
  );
  await expect(page.getByTestId('diagnose-overlay')).toBeVisible();
  await expect(page.getByTestId('diagnose-timings')).toContainText('800x600');
  // The score is the mean over 8 flips and rotations, calibrated with the temperature and class
  // biases the run fitted on validation when it trained, and with the lesion's measures (the
  // demo's masks give them); the one-view score is shown beside it.
  await expect(page.getByTestId('diagnose-tta')).toContainText(
    /calibrated with clinical data \(T = \d\.\d\d; biases against nevus: melanoma [−+]\d.*clinical weight −?\d/,
  );
  const plain = Number(
    await page.getByTestId('diagnose-plain-melanoma').getAttribute('data-value'),
  );
  expect(plain).toBeGreaterThanOrEqual(0);
  expect(plain).toBeLessThanOrEqual(1);

  // Melanomas score higher than nevi, on average over three photos each. One photo's score swings
  // with the mask the quick preset's 24 px SegNet draws (often a part of the lesion): in 11 runs
  // here a melanoma scored below its paired nevus 3 times, the means of three never.
  const melanomaScores = [melanoma];
  for (const photo of otherMelanomas) melanomaScores.push(await diagnose(page, photo));
  const nevusScores: number[] = [];
  for (const photo of photos.nevi) nevusScores.push(await diagnose(page, photo));
  const mean = (scores: number[]) => scores.reduce((sum, s) => sum + s, 0) / scores.length;
  expect(
    mean(melanomaScores),
    `melanomas ${melanomaScores} vs nevi ${nevusScores}`,
  ).toBeGreaterThan(mean(nevusScores));

  // Clinical data: the run's calibration learned the lesion's measures from the demo's masks and
  // age and sex from its metadata. The measures weigh from the start; given, age and sex join at
  // once, without predicting the photo again; cleared, the score is what it was. How much they
  // move it is the calibration's: on the demo's 20 validation images the image alone separates
  // the classes, so the weight fitted for clinical data is about 0 and the score hardly moves
  // (src/metrics/clinicalScores.test.ts holds the arithmetic).
  const nevus = nevusScores.at(-1) as number;
  const score = async () =>
    Number(await page.getByTestId('melanoma-score').getAttribute('data-value'));
  const clinical = page.getByTestId('diagnose-clinical');
  await expect(clinical).toHaveAttribute('data-measured', 'true');
  await expect(clinical).toHaveAttribute('data-patient', 'false');
  await expect(clinical).toContainText(
    "the lesion's measured size, border, shape, colours and texture",
  );
  await expect(clinical).toContainText('Give the age, sex or body site above');
  await expect(page.getByTestId('diagnose-measures')).toContainText(
    /covers \d+% of the frame, asymmetry 0\.\d\d.*between its halves ΔE \d+ and between centre and rim ΔE \d+/,
  );
  await expect(page.getByTestId('diagnose-tta')).toContainText('calibrated with clinical data');
  await page.getByTestId('diagnose-age').fill('80');
  await page.getByTestId('diagnose-sex').selectOption('female');
  await expect(clinical).toHaveAttribute('data-patient', 'true');
  await expect(clinical).toContainText('age 80, female and the lesion');
  const older = await score();
  expect(older).toBeGreaterThanOrEqual(0);
  expect(older).toBeLessThanOrEqual(1);
  await page.getByTestId('diagnose-age').fill('');
  await page.getByTestId('diagnose-sex').selectOption('');
  await expect(clinical).toHaveAttribute('data-patient', 'false');
  expect(await score()).toBe(nevus);

  // Bad photos: a reason each, and the next good photo still works.
  await refused(page, photos.notImage, /notes\.jpg: not a JPEG, PNG or WebP image/);
  await refused(page, photos.truncated, /truncated/);
  await refused(page, photos.tiny, /1x1: too small/);
  await refused(page, photos.huge, /10000x8000 \(80 megapixels\)/);
  expect(await diagnose(page, photos.grey)).toBeGreaterThanOrEqual(0);
  expect(await diagnose(page, photos.alpha)).toBeGreaterThanOrEqual(0);
  expect(await diagnose(page, firstMelanoma)).toBeCloseTo(melanoma, 5);

  // After a reload the stored models are used again; offline, the loaded page still works.
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready');
  await page.context().setOffline(true);
  expect(await diagnose(page, firstMelanoma)).toBeCloseTo(melanoma, 5);
  await page.context().setOffline(false);
});
