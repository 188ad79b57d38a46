/**
 * The layouts researchers download today, each ingested as a person would drop it: ISIC 2024's
 * train-image.hdf5 (read in place by id), its JPEG folder and the challenge bucket's three files;
 * an isic-cli folder; and the ISIC Archive's full snapshot zip (ZIP64). Exact counts per class and
 * per left-out diagnosis, every bad file named, licences shown, and no patient's images in two
 * splits.
 */
import { expect, test } from './fixtures.ts';
import { expectedArchive } from './support/archiveFixture.ts';
import {
  countTotals,
  expectGroupsInOneSplit,
  expectProblems,
  tileSplits,
  waitForIngest,
} from './support/ingestChecks.ts';
import {
  ISIC2024_CHALLENGE,
  ISIC2024_FOLDER,
  ISIC2024_HDF5,
  ISIC_CLI,
  SNAPSHOT,
  expectedIsic2024Page,
} from './support/isic2024Fixture.ts';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const COLUMNS = ['nevus', 'melanoma', 'seborrheic_keratosis', 'unlabeled', 'masks'];
const expected = expectedIsic2024Page();
const [corrupt] = expected.corrupt;
const [missing] = expected.missing;
const [orphan] = expected.orphans;
const [unknown] = expected.unknownTaxonomy;
const TAXONOMY =
  /iddx_2 is "Benign fantasy proliferations", which the ISIC diagnosis taxonomy does not have under "Benign"/;

async function expectIsic2024Page(
  page: import('@playwright/test').Page,
  unlabeled: number,
): Promise<void> {
  expect(await countTotals(page, COLUMNS)).toEqual({ ...expected.perClass, unlabeled, masks: 0 });
  const leftOut = page.getByTestId('left-out');
  for (const [diagnosis, count] of expected.leftOutCounts) {
    await expect(leftOut).toContainText(`${diagnosis} ${count}`);
  }
  // target (any malignancy) is never the class: the carcinomas are left out, not melanoma.
  await expect(leftOut).toContainText('Basal cell carcinoma');
  await expect(page.getByTestId('class-mapping')).toContainText('Melanoma ←');

  const split = page.getByTestId('split-method');
  await expect(split).toHaveAttribute('data-value', 'all');
  await expect(split).toHaveAttribute('data-state', 'patient');
  // The refused row's patient is unknown to the app: its image is split on its own.
  const patients = new Map(expected.patient);
  patients.delete(unknown ?? '');
  expectGroupsInOneSplit(await tileSplits(page), patients);
  await expect(page.getByTestId('licence-summary')).toBeVisible();
}

test('ISIC 2024 train-image.hdf5 with train-metadata.csv: images looked up by id, exact counts, every bad input named', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(ISIC2024_HDF5);
  await waitForIngest(page);
  // Before reading, the page cannot count an HDF5 file's images, and says so.
  await expect(page.getByTestId('storage-estimate')).toContainText(
    'The images in train-image.hdf5 are not counted here',
  );
  await page.screenshot({ path: test.info().outputPath('isic2024-hdf5.png'), fullPage: true });
  // The row outside the taxonomy is refused, so its image counts as unlabeled. The image without
  // a row is not seen: the HDF5 file is read by the rows' ids, never listed.
  await expectIsic2024Page(page, 1);
  await expectProblems(page, [
    [`train-image.hdf5/${corrupt}`, /not a JPEG or PNG image/],
    ['train-metadata.csv', new RegExp(`row ${missing}: there is no image ${missing}`)],
    ['train-metadata.csv', new RegExp(`row ${unknown}: ${TAXONOMY.source}`)],
  ]);
  const tiles = page.getByTestId('gallery-tile');
  await expect(tiles.and(page.locator(`[data-id="${orphan}"]`))).toHaveCount(0);

  // A reload keeps it all.
  await page.reload();
  expect(await countTotals(page, COLUMNS)).toEqual({
    ...expected.perClass,
    unlabeled: 1,
    masks: 0,
  });
});

test('ISIC 2024 train-image/image/ JPEGs with train-metadata.csv: the image without a row is stored unlabeled and named', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('folder-input').setInputFiles(ISIC2024_FOLDER);
  await waitForIngest(page);
  await expectIsic2024Page(page, 2);
  await expectProblems(page, [
    [`train-image/image/${corrupt}.jpg`, /not a JPEG or PNG image/],
    [`train-image/image/${orphan}.jpg`, new RegExp(`no label row for ${orphan}`)],
    ['train-metadata.csv', new RegExp(`row ${missing}: there is no image ${missing}`)],
    ['train-metadata.csv', new RegExp(`row ${unknown}: ${TAXONOMY.source}`)],
  ]);
});

test('ISIC 2024 challenge bucket: Training_Input zip, GroundTruth and Supplement', async ({
  page,
}) => {
  await page.goto('/');
  const files = readdirSync(ISIC2024_CHALLENGE).map((name) => join(ISIC2024_CHALLENGE, name));
  await page.getByTestId('files-input').setInputFiles(files);
  await waitForIngest(page);
  await expectIsic2024Page(page, 2);
  const zip = 'ISIC_2024_Training_Input.zip/ISIC_2024_Training_Input';
  await expectProblems(page, [
    [`${zip}/${corrupt}.jpg`, /not a JPEG or PNG image/],
    [`${zip}/${orphan}.jpg`, new RegExp(`no label row for ${orphan}`)],
    [
      'ISIC_2024_Training_Supplement.csv',
      new RegExp(`row ${missing}: there is no image ${missing}`),
    ],
    ['ISIC_2024_Training_Supplement.csv', new RegExp(`row ${unknown}: ${TAXONOMY.source}`)],
  ]);
});

for (const [name, drop] of [
  ['an isic-cli download folder', { input: 'folder-input', path: ISIC_CLI }],
  ['the ISIC Archive full snapshot zip (ZIP64, images/)', { input: 'files-input', path: SNAPSHOT }],
] as const) {
  test(`${name}: exact counts per class and left-out diagnosis, licences, nothing listed as a problem`, async ({
    page,
  }) => {
    const archive = expectedArchive('current');
    await page.goto('/');
    await page.getByTestId(drop.input).setInputFiles(drop.path);
    await waitForIngest(page);
    expect(await countTotals(page, COLUMNS)).toEqual({
      ...archive.perClass,
      unlabeled: 0,
      masks: 0,
    });
    const leftOut = page.getByTestId('left-out');
    for (const [diagnosis, count] of archive.leftOut) {
      await expect(leftOut).toContainText(`${diagnosis} ${count}`);
    }
    // attribution.txt, the licence texts and isic-cli's unfinished file are no problems.
    await expectProblems(page, []);
    await expect(page.getByTestId('licence-summary')).toHaveAttribute(
      'data-value',
      archive.licenceText,
    );
    await expect(page.getByTestId('split-method')).toHaveAttribute('data-state', archive.grouping);
    expectGroupsInOneSplit(await tileSplits(page), archive.groupOf);
  });
}
