import { join } from 'node:path';
import { expect, test } from './fixtures.ts';
import { expectProblems, waitForIngest } from './support/ingestChecks.ts';
import { ARCHIVE, TIFF, expectedArchive, zipName } from './support/archiveFixture.ts';

for (const style of ['current', 'before-2025'] as const) {
  test(`an ISIC Archive gallery zip (${style} metadata.csv) gives exact counts per class and left-out diagnosis, a licence summary, and no problem for attribution or licences`, async ({
    page,
  }) => {
    const expected = expectedArchive(style);
    await page.goto('/');
    await page.getByTestId('files-input').setInputFiles(join(ARCHIVE, zipName(style)));
    await waitForIngest(page);

    for (const [label, count] of Object.entries(expected.perClass)) {
      let total = 0;
      for (const split of ['train', 'val', 'test']) {
        const cell = page.getByTestId(`count-${split}-${label}`);
        total += Number(await cell.getAttribute('data-value'));
      }
      expect(total, label).toBe(count);
    }
    for (const split of ['train', 'val', 'test']) {
      await expect(page.getByTestId(`count-${split}-unlabeled`)).toHaveAttribute('data-value', '0');
      await expect(page.getByTestId(`count-${split}-masks`)).toHaveAttribute('data-value', '0');
    }
    const leftOut = page.getByTestId('left-out');
    for (const [diagnosis, count] of expected.leftOut) {
      await expect(leftOut).toContainText(`${diagnosis} ${count}`);
    }
    // Only the TIFF is listed: not attribution.txt, the licences, nor isic-cli's partial file.
    await expectProblems(page, [[TIFF, /Cloud-Optimized GeoTIFF/]]);

    // No split named: the app split every image, keeping each patient (or lesion) in one split.
    const splitMethod = page.getByTestId('split-method');
    await expect(splitMethod).toHaveAttribute('data-value', 'all');
    await expect(splitMethod).toHaveAttribute('data-state', expected.grouping);
    await expect(splitMethod).toContainText(
      `the app split all ${Object.values(expected.perClass).reduce((a, b) => a + b, 0)} images`,
    );

    const licences = page.getByTestId('licence-summary');
    await expect(licences).toHaveAttribute('data-value', expected.licenceText);
    expect(expected.nonCommercial).toBeGreaterThan(0);
    await expect(licences).toHaveAttribute('data-state', 'non-commercial');
    await expect(licences).toContainText('non-commercial use');

    await page.reload();
    await expect(page.getByTestId('licence-summary')).toHaveAttribute(
      'data-value',
      expected.licenceText,
    );
  });
}
