import { join } from 'node:path';
import { expect, test } from './fixtures.ts';
import { expectProblems, waitForIngest } from './support/ingestChecks.ts';
import { ARCHIVE, TIFF, expectedArchive, zipName } from './support/archiveFixture.ts';

for (const style of ['current', 'before-2025'] as const) {
  test(`an ISIC Archive gallery zip (${style} metadata.csv) gives exact counts per class and left-out diagnosis, a licence summary, each tile's licence and attribution, and no problem for attribution or licences`, async ({
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

    // Each gallery tile shows its image's licence and who to credit; CC-BY-NC ones are marked.
    const tiles = page.getByTestId('gallery-tile');
    await expect(tiles).toHaveCount(expected.credits.length);
    await expect(
      page.locator('[data-testid="tile-licence"][data-state="non-commercial"]'),
    ).toHaveCount(expected.nonCommercial);
    const nonCommercial = expected.credits.find((c) => c.licence === 'CC-BY-NC');
    // The Archive writes a TAB before an attribution starting with @; the page shows it without.
    const atSign = expected.credits.find((c) => c.attribution.startsWith('@'));
    const open = expected.credits.find((c) => c.licence !== 'CC-BY-NC');
    for (const credit of [nonCommercial, atSign, open]) {
      if (!credit) throw new Error('the fixture lacks an image the test needs');
      const tile = page.locator(`[data-testid="gallery-tile"][data-id="${credit.id}"]`);
      const badge = tile.getByTestId('tile-licence');
      await expect(badge).toHaveAttribute('data-value', credit.licence);
      await expect(badge).toHaveText(credit.licence);
      await expect(badge).toHaveAttribute(
        'data-state',
        credit.licence === 'CC-BY-NC' ? 'non-commercial' : 'open',
      );
      await expect(tile.getByTestId('tile-attribution')).toHaveAttribute(
        'data-value',
        credit.attribution,
      );
      const title = await tile.getAttribute('title');
      expect(title).toContain(`Licence: ${credit.licence}`);
      expect(title).toContain(`Credit: ${credit.attribution}`);
      if (credit.licence === 'CC-BY-NC') expect(title).toContain('non-commercial use only');
    }

    await page.reload();
    await expect(page.getByTestId('licence-summary')).toHaveAttribute(
      'data-value',
      expected.licenceText,
    );
    if (nonCommercial) {
      await expect(
        page
          .locator(`[data-testid="gallery-tile"][data-id="${nonCommercial.id}"]`)
          .getByTestId('tile-licence'),
      ).toHaveAttribute('data-value', 'CC-BY-NC');
    }
  });
}
