/**
 * Backup and move: the demo dataset with ground-truth masks, one quick classifier run and its
 * evaluation are backed up to one zip ("Back up everything…", downloaded: the test hides
 * `showSaveFilePicker`, which headless Chromium cannot answer), and imported into a fresh browser
 * context (a new profile, nothing stored): the counts, the run list and the evaluation's figures
 * there are those of the first browser. A damaged copy of the file is refused with the entry's
 * name, and the second browser keeps what it has.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { BrowserContext, Page } from '@playwright/test';
import { COUNT_COLUMNS } from '../src/dataset/summary.ts';
import { SPLITS } from '../src/dataset/types.ts';
import { expect, isForeign, test } from './fixtures.ts';
import { demoWithTruthMasks, fineTuneClassifier } from './support/pipeline.ts';
import { TRAINING_BACKEND } from './support/trainingBackend.ts';

test.setTimeout(5 * 60_000);

const ADDRESS = `/?preset=quick&backend=${TRAINING_BACKEND}`;

/** Downloads instead of the File System Access picker, which a headless test cannot answer. */
const hidePicker = (context: BrowserContext) =>
  context.addInitScript(() => {
    Object.defineProperty(window, 'showSaveFilePicker', { value: undefined });
  });

/**
 * Every count of the Dataset stage, by test id; the "other" column only where the dataset kept
 * images of other diagnoses (absent here: null).
 */
async function counts(page: Page): Promise<Record<string, string | null>> {
  await page.getByTestId('count-train-total').waitFor();
  const out: Record<string, string | null> = {};
  for (const split of SPLITS) {
    for (const column of [...COUNT_COLUMNS, 'total', 'masks']) {
      const cell = page.getByTestId(`count-${split}-${column}`);
      const shown = column !== 'other' || (await cell.count()) > 0;
      out[`count-${split}-${column}`] = shown ? await cell.getAttribute('data-value') : null;
    }
  }
  return out;
}

/** The classifier runs listed: id, status and the row's text. */
async function runList(page: Page) {
  const rows = page.getByTestId('classifier-run');
  const out: { id: string | null; status: string | null; text: string }[] = [];
  for (const row of await rows.all()) {
    out.push({
      id: await row.getAttribute('data-run-id'),
      status: await row.getAttribute('data-status'),
      text: (await row.locator('td').allInnerTexts()).slice(0, 7).join(' | '),
    });
  }
  return out;
}

const figure = async (page: Page, id: string) => page.getByTestId(id).getAttribute('data-value');

test('a backup moves the dataset, a run and its evaluation to a fresh browser', async ({
  page,
  context,
  browser,
  baseURL,
}, testInfo) => {
  await hidePicker(context);
  await page.goto(ADDRESS);
  await expect(page.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  // Nothing stored yet: nothing to back up, but a backup can be imported.
  await expect(page.getByTestId('backup-export')).toBeDisabled();
  await expect(page.getByTestId('backup-import')).toBeEnabled();

  await demoWithTruthMasks(page);
  // The cheapest run with a checkpoint: the quick classifier, fine-tuned for 2 epochs.
  await fineTuneClassifier(page, 2, 180_000);
  await page.getByTestId('evaluate').click();
  await expect(page.getByTestId('eval-status')).toHaveAttribute('data-state', 'done', {
    timeout: 120_000,
  });

  const before = {
    counts: await counts(page),
    runs: await runList(page),
    auc: await figure(page, 'auc-melanoma'),
    aucSk: await figure(page, 'auc-sk'),
    f1: await figure(page, 'f1-melanoma'),
  };
  expect(Number(before.counts['count-train-total'])).toBeGreaterThan(0);
  expect(before.runs).toHaveLength(1);
  expect(before.auc).not.toBeNull();

  // Export: a download, built in the backup worker.
  const exportStarted = Date.now();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('backup-export').click(),
  ]);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);
  await expect(page.getByTestId('backup-status')).toContainText('Backed up');
  await page.getByTestId('backup-status').scrollIntoViewIfNeeded();
  await page.screenshot({ path: testInfo.outputPath('dataset-with-backup.png') });
  const exportSeconds = (Date.now() - exportStarted) / 1000;
  expect(download.suggestedFilename()).toMatch(/^lesion-lab-backup-\d{4}-\d\d-\d\d\.zip$/);
  const size = readFileSync(file).length;

  // A fresh browser profile: nothing stored.
  const fresh = await browser.newContext();
  await hidePicker(fresh);
  const other = await fresh.newPage();
  const problems: string[] = [];
  const appOrigin = new URL(baseURL ?? 'http://localhost').origin;
  other.on('pageerror', (error) => problems.push(error.message));
  other.on('request', (request) => {
    if (isForeign(request.url(), appOrigin)) problems.push(request.url());
  });
  await other.goto(ADDRESS);
  await expect(other.getByTestId('backend')).toHaveText(TRAINING_BACKEND);
  await expect(other.getByTestId('classifier-run')).toHaveCount(0);

  // A damaged copy (one byte of a stored chunk flipped) is refused and changes nothing.
  const damaged = readFileSync(file);
  const at = damaged.indexOf('stores/images/000000.bin') + 200;
  damaged[at] = (damaged[at] as number) ^ 0xff;
  const damagedFile = testInfo.outputPath('damaged.zip');
  writeFileSync(damagedFile, damaged);
  await other.getByTestId('backup-import').setInputFiles(damagedFile);
  await expect(other.getByTestId('backup-error')).toContainText(
    'The backup is damaged: stores/images/000000.bin',
  );
  await expect(other.getByTestId('backup-error')).toContainText(
    'Nothing in this browser was changed.',
  );
  await expect(other.getByTestId('count-train-total')).toHaveCount(0);

  // The real file: checked, written, and the page reloads with it.
  const importStarted = Date.now();
  await other.getByTestId('backup-import').setInputFiles(file);
  await expect(other.getByTestId('backup-status')).toContainText('Imported the backup', {
    timeout: 120_000,
  });
  const importSeconds = (Date.now() - importStarted) / 1000;
  await expect(other.getByTestId('count-train-total')).toHaveAttribute(
    'data-value',
    before.counts['count-train-total'] as string,
  );
  expect(await counts(other)).toEqual(before.counts);
  await expect(other.getByTestId('classifier-run')).toHaveCount(1);
  expect(await runList(other)).toEqual(before.runs);
  // The stored evaluation shows without predicting again, with the same figures.
  await expect(other.getByTestId('eval-status')).toHaveAttribute('data-state', 'done');
  expect(await figure(other, 'auc-melanoma')).toBe(before.auc);
  expect(await figure(other, 'auc-sk')).toBe(before.aucSk);
  expect(await figure(other, 'f1-melanoma')).toBe(before.f1);
  await other.getByTestId('backup-status').scrollIntoViewIfNeeded();
  await other.screenshot({ path: testInfo.outputPath('after-import.png') });

  // A second import asks first: this browser now holds a dataset and a run.
  await other.getByTestId('backup-import').setInputFiles(file);
  await expect(other.getByTestId('backup-confirm-text')).toContainText(
    'This replaces the dataset and 1 run stored in this browser',
  );
  await other.getByRole('button', { name: 'Keep mine' }).click();
  await expect(other.getByTestId('backup-confirm-text')).toHaveCount(0);

  testInfo.annotations.push({
    type: 'figures',
    description: `backup ${size} bytes; export ${exportSeconds.toFixed(1)} s; import ${importSeconds.toFixed(1)} s`,
  });
  console.log(
    `backup: ${size} bytes, export ${exportSeconds.toFixed(1)} s, import (check, write, reload) ${importSeconds.toFixed(1)} s`,
  );
  expect(problems, 'errors or foreign requests in the second browser').toEqual([]);
  await fresh.close();
});
