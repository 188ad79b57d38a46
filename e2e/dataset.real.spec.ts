/**
 * Real ISIC 2017 files through the Dataset stage (`npm run test:real`, never `npm test`): the 14
 * photographs of the real-data folder beside the repository (SHARED_DATA), their masks and the
 * training and (CRLF) validation label files.
 */
import { sharedData } from '../scripts/sharedData.ts';
import { test } from './fixtures.ts';
import { expectCounts, expectProblems, waitForIngest } from './support/ingestChecks.ts';

test('real ISIC photographs, masks and the CRLF label file are ingested', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(sharedData('real-isic-sample'));
  await waitForIngest(page);
  await expectCounts(page, {
    train: { nevus: 4, melanoma: 4, seborrheic_keratosis: 4, unlabeled: 0, masks: 12 },
    val: { nevus: 2, melanoma: 0, seborrheic_keratosis: 0, unlabeled: 0, masks: 2 },
    test: { nevus: 0, melanoma: 0, seborrheic_keratosis: 0, unlabeled: 0, masks: 0 },
  });
  // The sample's README is the only file not used.
  await expectProblems(page, [['README.md', /not an image/]]);
});
