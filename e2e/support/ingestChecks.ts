/** What the Dataset stage shows after an ingest, checked the same way by every spec. */
import { expect, type Page } from '@playwright/test';

/** Each count (`count-{split}-{column}`) has the expected value. */
export async function expectCounts(
  page: Page,
  expected: Record<string, Record<string, number>>,
): Promise<void> {
  for (const [split, counts] of Object.entries(expected)) {
    for (const [column, value] of Object.entries(counts)) {
      await expect(
        page.getByTestId(`count-${split}-${column}`),
        `${split} ${column}`,
      ).toHaveAttribute('data-value', String(value));
    }
  }
}

/** Each expected problem appears exactly once, and there are no others. */
export async function expectProblems(page: Page, expected: [string, RegExp][]): Promise<void> {
  const texts = await page.getByTestId('ingest-problem').allInnerTexts();
  for (const [file, reason] of expected) {
    const matching = texts.filter((t) => t.includes(`${file}:`) && reason.test(t));
    expect(matching, `one problem for ${file} matching ${reason}`).toHaveLength(1);
  }
  expect(texts, texts.join('\n')).toHaveLength(expected.length);
}

export async function waitForIngest(page: Page): Promise<void> {
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');
}

/** Each count column summed over the three splits. */
export async function countTotals(page: Page, columns: readonly string[]) {
  const totals: Record<string, number> = {};
  for (const column of columns) {
    totals[column] = 0;
    for (const split of ['train', 'val', 'test']) {
      const value = await page.getByTestId(`count-${split}-${column}`).getAttribute('data-value');
      totals[column] += Number(value);
    }
  }
  return totals;
}

/** The split of every gallery tile by image id (the gallery's first page holds them all). */
export async function tileSplits(page: Page): Promise<Map<string, string>> {
  const tiles = page.getByTestId('gallery-tile');
  const splits = new Map<string, string>();
  for (const tile of await tiles.all()) {
    splits.set(
      (await tile.getAttribute('data-id')) ?? '',
      (await tile.getAttribute('data-split')) ?? '',
    );
  }
  return splits;
}

/** No group (patient or lesion) has images in two splits. */
export function expectGroupsInOneSplit(
  splits: ReadonlyMap<string, string>,
  groupOf: ReadonlyMap<string, string>,
): void {
  const seen = new Map<string, string>();
  for (const [id, split] of splits) {
    const group = groupOf.get(id);
    if (!group) continue;
    const first = seen.get(group);
    if (first === undefined) seen.set(group, split);
    else expect(split, `${id} of ${group}`).toBe(first);
  }
  // A fixture whose groups all hold one image would prove nothing.
  expect(seen.size).toBeLessThan([...splits.keys()].filter((id) => groupOf.get(id)).length);
}
