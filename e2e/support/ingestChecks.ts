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
