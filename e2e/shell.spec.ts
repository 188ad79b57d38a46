import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../scripts/chromium.ts';
import { expect, test } from './fixtures.ts';

const STAGE_TITLES = ['Dataset', 'Segmentation', 'Masking', 'Classifier', 'Evaluation', 'Diagnose'];

test('the app opens on WebGPU with the six pipeline stages', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Lesion Lab');
  await expect(
    page.getByRole('navigation', { name: 'Pipeline stages' }).locator('.step-title'),
  ).toHaveText(STAGE_TITLES);
  for (const title of STAGE_TITLES) {
    await expect(page.getByRole('heading', { level: 2, name: title })).toBeVisible();
  }
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveAttribute('data-state', 'ready');
  await expect(backend).toHaveText('webgpu');
  await expect(page.getByTestId('adapter')).toContainText('WebGPU');
  await expect(page.getByText('not a medical device')).toBeVisible();
});

test('a worker round trip runs a matrix product on WebGPU and matches the reference', async ({
  page,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('webgpu');
  await page.getByTestId('backend-check').click();
  const result = page.getByTestId('backend-check-result');
  await expect(result).toHaveAttribute('data-state', 'done');
  await expect(result).toHaveAttribute('data-backend', 'webgpu');
  const maxError = Number(await result.getAttribute('data-max-error'));
  expect(maxError).toBeGreaterThanOrEqual(0);
  expect(maxError).toBeLessThan(1e-3);
});

for (const backend of ['cpu', 'webgl', 'wasm'] as const) {
  test(`?backend=${backend} forces the ${backend} backend`, async ({ page }) => {
    await page.goto(`/?backend=${backend}`);
    await expect(page.getByTestId('backend')).toHaveText(backend);
    await expect(page.getByTestId('adapter')).toContainText('(forced)');
    await page.getByTestId('backend-check').click();
    await expect(page.getByTestId('backend-check-result')).toHaveAttribute('data-backend', backend);
  });
}

test('the page is cross-origin isolated, so WebAssembly runs the threaded SIMD build of XNNPACK, and the project’s kernels use relaxed SIMD on every core', async ({
  page,
}) => {
  await page.goto('/?backend=wasm');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  const cores = await page.evaluate(() => Math.min(16, navigator.hardwareConcurrency));
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await expect(page.getByTestId('adapter')).toContainText(
    `XNNPACK (SIMD, threaded build, 1 thread) + own kernels (relaxed SIMD, ${cores} thread`,
  );
  await expect(page.getByTestId('adapter')).not.toContainText('one thread:');
});

test('?threads= sets the WebAssembly kernel threads, and the backend check passes on them', async ({
  page,
}) => {
  for (const threads of ['3 threads', '1 thread']) {
    await page.goto(`/?backend=wasm&threads=${threads.split(' ')[0]}`);
    await expect(page.getByTestId('adapter')).toContainText(
      `own kernels (relaxed SIMD, ${threads})`,
    );
    await page.getByTestId('backend-check').click();
    await expect(page.getByTestId('backend-check-result')).toHaveAttribute('data-backend', 'wasm');
  }
  await page.goto('/?threads=zero');
  await expect(page.getByTestId('runtime-error')).toContainText('Unknown thread count "zero"');
});

test('an unknown ?backend= is reported to the person, not swallowed', async ({ page }) => {
  await page.goto('/?backend=quantum');
  await expect(page.getByTestId('backend')).toHaveAttribute('data-state', 'error');
  await expect(page.getByTestId('runtime-error')).toContainText('Unknown backend "quantum"');
  await expect(
    page.getByTestId('runtime-error').getByRole('link', { name: 'WebGPU' }),
  ).toHaveAttribute('href', '?backend=webgpu');
});

test.describe('without the Content-Security-Policy', () => {
  // The built app's policy refuses the request before it is made (e2e/offline.spec.ts checks
  // that); here the guard itself is tested, as a second line behind the policy.
  test.use({ bypassCSP: true });

  test('the guard catches a request to another origin', async ({ page, guards }) => {
    await page.goto('/');
    // An unreachable loopback address: the request is made (and fails) without leaving the machine.
    await page.evaluate(() => fetch('http://127.0.0.2:9/leak').catch(() => undefined));
    await expect.poll(() => guards.foreignRequests).toEqual(['http://127.0.0.2:9/leak']);
    guards.foreignRequests.length = 0;
  });
});

test('without WebGPU the app falls back to WebGL and says why', async ({ baseURL }) => {
  // A browser of its own, started without --enable-unsafe-webgpu: no WebGPU adapter.
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS.filter((arg) => arg !== '--enable-unsafe-webgpu'),
  });
  try {
    const page = await browser.newPage();
    await page.goto(baseURL ?? '/');
    await expect(page.getByTestId('backend')).toHaveText('webgl');
    await expect(page.getByTestId('backend-fallback')).toContainText('WebGPU unavailable');
    await expect(page.getByTestId('backend-fallback')).toContainText('Using WebGL');
  } finally {
    await browser.close();
  }
});
