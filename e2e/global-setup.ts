import { makeArchiveFixtures } from './support/archiveFixture.ts';
import { makeDownloadFixtures } from './support/isic2024Fixture.ts';
import { makeWeightFixtures } from './support/weightFixtures.ts';
import { makeFixtures, makeHamFixture } from './support/isicFixture.ts';

/** Generates the e2e test data once per run (seeded: the same bytes every time). */
export default async function globalSetup(): Promise<void> {
  await makeFixtures();
  makeHamFixture();
  await makeArchiveFixtures();
  await makeDownloadFixtures();
  await makeWeightFixtures();
}
