/**
 * Two tabs of the app in one browser: while one adds files or trains, the other cannot start a job
 * that writes, and says which tab's job holds it; once that job ends, it can.
 */
import { expect, test } from './fixtures.ts';
import { FOLDER } from './support/isicFixture.ts';
import { TRAINING_BACKEND } from './support/trainingBackend.ts';

const BUSY = /Another Lesion Lab tab is (.+) \(started \d\d:\d\d\); wait for it or stop it there\./;

test("a second tab cannot add files while the first does, names the first tab's job, and can once it stops", async ({
  page,
}, testInfo) => {
  const other = await page.context().newPage();
  await page.goto('/');
  await other.goto('/');

  await page.getByTestId('load-demo').click();
  await expect
    .poll(async () => Number(await page.getByTestId('ingest-status').getAttribute('data-done')))
    .toBeGreaterThan(0);

  // The other tab drops a folder: refused at once, with the first tab's job named.
  await other.getByTestId('folder-input').setInputFiles(FOLDER);
  const refused = other.getByTestId('ingest-status');
  await expect(refused).toHaveAttribute('data-state', 'error');
  await expect(refused).toContainText(BUSY);
  await expect(refused).toContainText('Another Lesion Lab tab is adding the demo dataset (started');
  await other.screenshot({ path: testInfo.outputPath('second-tab-refused.png') });

  // The first tab stops (cancelled, unless it finished first); then the other tab's drop goes in.
  await page
    .getByTestId('cancel-ingest')
    .click({ timeout: 2_000 })
    .catch(() => undefined);
  await expect(page.getByTestId('ingest-status')).not.toHaveAttribute('data-state', 'running');
  await other.getByTestId('folder-input').setInputFiles(FOLDER);
  await expect(refused).toHaveAttribute('data-state', 'done');
  await expect(refused).not.toContainText('Another Lesion Lab tab');
  await expect(other.getByTestId('count-train-total')).toBeVisible();
  await other.close();
});

test('a second tab cannot train or mask while the first trains the SegNet, and trains once it stops', async ({
  page,
}, testInfo) => {
  test.setTimeout(6 * 60_000);
  const address = `/?preset=quick&backend=${TRAINING_BACKEND}`;
  await page.goto(address);
  await expect(page.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');

  const other = await page.context().newPage();
  await other.goto(address);
  await expect(other.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await expect(other.getByTestId('count-train-total')).toBeVisible();

  await page.getByTestId('train-segnet').click();
  await expect(page.getByTestId('segnet-status')).toHaveAttribute('data-state', 'running');

  await other.getByTestId('train-segnet').click();
  const refused = other.getByTestId('segnet-status');
  await expect(refused).toHaveAttribute('data-state', 'error');
  await expect(refused).toContainText('Another Lesion Lab tab is training the SegNet (started');
  await expect(refused).toContainText(BUSY);
  await expect(refused).not.toContainText('Switch backend');
  await refused.scrollIntoViewIfNeeded();
  await other.screenshot({ path: testInfo.outputPath('second-tab-refused-training.png') });

  await other.getByTestId('mask-source').selectOption('truth');
  await other.getByTestId('apply-masks').click();
  await expect(other.getByTestId('mask-status')).toHaveAttribute('data-state', 'error');
  await expect(other.getByTestId('mask-status')).toContainText(
    'Another Lesion Lab tab is training the SegNet (started',
  );

  await page.getByTestId('stop-training').click();
  await expect(page.getByTestId('segnet-status')).not.toHaveAttribute('data-state', 'running', {
    timeout: 120_000,
  });

  await other.getByTestId('train-segnet').click();
  await expect(refused).toHaveAttribute('data-state', 'running');
  await expect(refused).not.toContainText('Another Lesion Lab tab');
  // Now the first tab is the one refused.
  await page.getByTestId('mask-source').selectOption('truth');
  await page.getByTestId('apply-masks').click();
  await expect(page.getByTestId('mask-status')).toContainText(
    'Another Lesion Lab tab is training the SegNet (started',
  );
  await other.getByTestId('stop-training').click();
  await expect(refused).not.toHaveAttribute('data-state', 'running', { timeout: 120_000 });
  await other.close();
});
