/**
 * The Segmentation and Masking stages on the real WebGPU backend (SwiftShader here), with the quick
 * preset on the bundled synthetic demo dataset: a SegNet learns (through the app's WebGPU training
 * engine), stops, survives reloads, resumes with its curves, and its masks are applied to every
 * image.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

/** Quick-preset training here takes minutes: the whole story gets one generous budget. */
test.setTimeout(12 * 60_000);

async function openWithDemo(page: Page): Promise<void> {
  // Forced: left to measurement, the quick SegNet would train on WebAssembly here.
  await page.goto('/?preset=quick&backend=webgpu');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');
}

/** What the training status says when the app's WebGPU engine trains. */
const ENGINE = /^Trained by the WebGPU engine \(\d+ dispatches and 1 submit a step\)\.$/;

const epochsCharted = async (page: Page) =>
  Number(await page.getByTestId('segnet-charts').getAttribute('data-epochs'));

test('SegNet trains on WebGPU, stops, resumes across reloads with its curves, and masks every image', async ({
  page,
}) => {
  await openWithDemo(page);
  await expect(page.getByTestId('preset')).toHaveValue('quick');
  const status = page.getByTestId('segnet-status');
  const run = page.getByTestId('segnet-run');

  // Train two epochs, then stop: the run keeps exactly its finished epochs.
  await page.getByTestId('train-segnet').click();
  await expect(status).toHaveAttribute('data-state', 'running');
  // On WebGPU the app's own training engine trains it (src/engine), not tfjs.
  // (Not "tfjs (the WebGPU engine's self-check failed …)": the engine itself.)
  await expect(page.getByTestId('training-engine')).toHaveText(ENGINE, { timeout: 120_000 });
  await expect.poll(() => epochsCharted(page), { timeout: 240_000 }).toBeGreaterThanOrEqual(2);
  await page.getByTestId('stop-training').click();
  await expect(status).toHaveAttribute('data-state', 'idle', { timeout: 120_000 });
  await expect(run).toHaveAttribute('data-status', 'stopped');
  const stoppedAt = await epochsCharted(page);
  expect(stoppedAt).toBeGreaterThanOrEqual(2);
  await expect(status).toContainText(`Stopped after epoch ${stoppedAt}`);
  const diceBefore = await page.getByTestId('segnet-val-dice').getAttribute('data-value');
  await expect(page.getByTestId('segnet-previews')).toHaveAttribute(
    'data-epoch',
    String(stoppedAt),
  );

  // Reload: the run, its curves and its latest figure come back from IndexedDB.
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready');
  await expect(run).toHaveAttribute('data-status', 'stopped');
  await expect.poll(() => epochsCharted(page)).toBe(stoppedAt);
  await expect(page.getByTestId('segnet-val-dice')).toHaveAttribute('data-value', diceBefore ?? '');

  // Resume: it goes on from the next epoch; a reload mid-epoch interrupts it, losing that epoch only.
  await page.getByTestId('resume-segnet').click();
  await expect(status).toContainText(`Epoch ${stoppedAt + 1} of 8`, { timeout: 120_000 });
  await expect.poll(() => epochsCharted(page), { timeout: 240_000 }).toBe(stoppedAt + 1);
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready');
  await expect(run).toHaveAttribute('data-status', 'running');
  await expect(run).toContainText('Interrupted');
  const interruptedAt = await epochsCharted(page);
  expect(interruptedAt).toBeGreaterThanOrEqual(stoppedAt + 1);

  // Resume again and let it finish: validation Dice rises above 0.7.
  await page.getByTestId('resume-segnet').click();
  let bestDice = 0;
  await expect
    .poll(
      async () => {
        const value = Number(await page.getByTestId('segnet-val-dice').getAttribute('data-value'));
        bestDice = Math.max(bestDice, value);
        return (await status.getAttribute('data-state')) === 'running' ? 'running' : bestDice;
      },
      { timeout: 480_000, intervals: [2_000] },
    )
    .toBeGreaterThan(0.7);
  await expect(status).toHaveAttribute('data-state', 'done');
  const epochs = await epochsCharted(page);
  expect(epochs).toBeGreaterThan(interruptedAt);
  await expect(run).toContainText(`${epochs} / 8`);

  // Masking with the run's best checkpoint: every image, scored against the ground truth.
  await expect(page.getByTestId('mask-source')).toHaveValue(/^segnet:/);
  await page.getByTestId('apply-masks').click();
  const maskStatus = page.getByTestId('mask-status');
  await expect(maskStatus).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await expect(maskStatus).toContainText('Masked 150 images');
  await expect(maskStatus).toContainText('centred and zoomed on the lesion');
  // Each lesion measured for the clinical data (a 150-image demo: every mask holds a lesion, or
  // the status says how many do not).
  await expect(maskStatus).toContainText(
    /\d+ lesions measured \(size, border, shape, colours, texture\)/,
  );
  const valJaccard = Number(await page.getByTestId('mask-jaccard-val').getAttribute('data-value'));
  expect(valJaccard).toBeGreaterThan(0.4);
  await expect(page.getByTestId('mask-example')).toHaveCount(6);

  // The ground truth instead, as whole frames: nothing to score, every image masked.
  await page.getByTestId('mask-source').selectOption('truth');
  await page.getByTestId('mask-crop').uncheck();
  await page.getByTestId('apply-masks').click();
  await expect(maskStatus).toHaveAttribute('data-state', 'done', { timeout: 120_000 });
  await expect(maskStatus).toContainText('with ground-truth masks in');
  await expect(maskStatus).toContainText('150 lesions measured');
  await expect(maskStatus).not.toContainText('centred');
  await expect(page.getByTestId('mask-scores')).toHaveCount(0);

  // The classifier on WebGPU trains through the engine too (its DenseNet, fine-tuned) for two
  // epochs.
  await page.getByTestId('classifier-mode').selectOption('fine-tune');
  await page.getByTestId('classifier-epochs').fill('2');
  await page.getByTestId('train-classifier').click();
  const classifierStatus = page.getByTestId('classifier-status');
  await expect(classifierStatus.getByTestId('training-engine')).toContainText('the WebGPU engine', {
    timeout: 120_000,
  });
  // The Performance panel says so, with the step's dispatches (the engine's: under 200).
  await page.getByTestId('perf-panel').locator('summary').click();
  await expect(page.getByTestId('engine')).toHaveText('fused');
  await expect
    .poll(async () => Number(await page.getByTestId('perf-dispatches').getAttribute('data-value')))
    .toBeGreaterThan(0);
  const fused = Number(await page.getByTestId('perf-dispatches').getAttribute('data-value'));
  expect(fused).toBeLessThan(200);
  // Its own buffers count in the memory figure beside tfjs's tensors.
  expect(
    Number(await page.getByTestId('perf-memory').getAttribute('data-engine-bytes')),
  ).toBeGreaterThan(100_000);
  await expect(classifierStatus).toHaveAttribute('data-state', 'done', { timeout: 300_000 });
  await expect(page.getByTestId('classifier-charts')).toHaveAttribute('data-epochs', '2');

  // Switched to tfjs in the panel, the next run trains through tfjs, with many more dispatches.
  await page.getByTestId('engine-preference').selectOption('tfjs');
  await page.getByTestId('classifier-epochs').fill('1');
  await page.getByTestId('train-classifier').click();
  await expect(classifierStatus.getByTestId('training-engine')).toContainText('tfjs (as asked', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('engine')).toHaveText('tfjs');
  await expect
    .poll(async () => Number(await page.getByTestId('perf-dispatches').getAttribute('data-value')))
    .toBeGreaterThan(5 * fused);
  await page.getByTestId('perf-panel').locator('summary').click();
  await expect(classifierStatus).toHaveAttribute('data-state', 'done', { timeout: 300_000 });

  // Deleting the run removes it from the list and from the mask sources.
  await run.getByTestId('delete-run').click();
  await page.getByTestId('confirm-delete-run').click();
  await expect(run).toHaveCount(0);
  await expect(page.getByTestId('mask-source').locator('option')).toHaveText([
    'Ground-truth masks',
  ]);
});

test('training without masks says what is missing instead of starting', async ({ page }) => {
  await page.goto('/?preset=quick');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'ready');
  await expect(page.getByTestId('train-segnet')).toBeDisabled();
  await expect(page.getByText('Needs images with ground-truth masks')).toBeVisible();
  await expect(page.getByTestId('apply-masks')).toBeDisabled();
});
