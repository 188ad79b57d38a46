/**
 * The built app off the network: after one visit the service worker serves every file of the build,
 * so a reload with the network off opens the stored dataset, starts the WebAssembly backend
 * (binaries from the cache, still cross-origin isolated) and trains. The Content-Security-Policy
 * lets the browser refuse any connection to another origin.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { preview, type PreviewServer } from 'vite';
import { precacheOf, serviceWorkerScript } from '../scripts/offline-build.ts';
import { expect, test } from './fixtures.ts';

// Service workers are what this file tests (whatever the other files' setting).
test.use({ serviceWorkers: 'allow' });

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');

interface Violation {
  blockedURI: string;
  effectiveDirective: string;
}

/** Records the page's Content-Security-Policy violations, across reloads. */
async function recordViolations(page: Page): Promise<Violation[]> {
  const violations: Violation[] = [];
  await page.exposeFunction('reportViolation', (violation: Violation) =>
    violations.push(violation),
  );
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { reportViolation: (v: Violation) => void })
        .reportViolation;
      report({ blockedURI: event.blockedURI, effectiveDirective: event.effectiveDirective });
    });
  });
  return violations;
}

/** A server that does not exist, and one that would answer: the preview server under another name. */
const OTHER_ORIGINS = ['https://example.com/', 'http://127.0.0.1:4173/index.html'];

/**
 * Fetches `url` (no-cors: an answer from another origin would resolve) where it runs, the page or a
 * worker; the policy directive that refused it, or what happened instead.
 */
async function refusedBy(url: string): Promise<string> {
  const violation = new Promise<string>((resolve) => {
    self.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective), {
      once: true,
    });
    setTimeout(() => resolve('no violation reported'), 5000);
  });
  const outcome = await fetch(url, { mode: 'no-cors' }).then(
    () => 'fetched',
    () => 'refused',
  );
  return outcome === 'refused' ? violation : outcome;
}

const epochsCharted = async (page: Page) =>
  Number(await page.getByTestId('segnet-charts').getAttribute('data-epochs'));

test('the built index.html and the preview server carry the Content-Security-Policy', async ({
  request,
}) => {
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  expect(meta, 'the policy in index.html').not.toBeNull();
  const policy = (meta?.[1] ?? '').replaceAll('&#39;', "'");
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("connect-src 'self'");
  expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(policy).not.toContain('unsafe-inline');
  expect(policy).not.toContain("'unsafe-eval'");
  // Before any script: a <meta> policy governs only what follows it.
  expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'));

  const response = await request.get('/');
  expect(response.headers()['content-security-policy']).toContain("connect-src 'self'");
  expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(response.headers()['cross-origin-embedder-policy']).toBe('require-corp');
});

test('after one visit the app opens its dataset, runs and trains with the network off, and the policy refuses other origins', async ({
  page,
  context,
  guards,
}, testInfo) => {
  const violations = await recordViolations(page);
  await page.goto('/?preset=quick&backend=wasm');
  await expect(page.getByTestId('backend')).toHaveText('wasm');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('count-train-nevus')).toHaveAttribute('data-value', '69');
  // The service worker installed (every file of the build stored) and controls the page.
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'))
    .toBe('activated');

  // A request to another origin is refused by the browser before it is made, in the page and in the
  // compute worker, which holds the images (a worker follows the policy its own response carries,
  // the header, not the page's <meta>).
  const compute = page.workers().find((worker) => /compute\.worker-/.test(worker.url()));
  expect(compute, 'the compute worker').toBeDefined();
  for (const url of OTHER_ORIGINS) {
    expect(await page.evaluate(refusedBy, url), `${url} from the page`).toBe('connect-src');
    expect(await compute?.evaluate(refusedBy, url), `${url} from the worker`).toBe('connect-src');
  }
  // Refused, so never sent: the fixture's guard (no request to another origin) sees nothing.
  expect(guards.foreignRequests).toEqual([]);

  // Off the network, a reload.
  await context.setOffline(true);
  const fromNetwork: string[] = [];
  const fromWorker: string[] = [];
  page.on('response', (response) => {
    const url = response.url();
    // blob: URLs are the backend's threads, made in the page.
    if (!url.startsWith('http')) return;
    (response.fromServiceWorker() ? fromWorker : fromNetwork).push(url);
  });
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Lesion Lab');
  await expect(page.getByTestId('count-train-nevus')).toHaveAttribute('data-value', '69');
  await expect(page.getByTestId('count-val-melanoma')).toHaveAttribute('data-value', '4');
  await expect(page.getByTestId('count-test-masks')).toHaveAttribute('data-value', '30');
  const backend = page.getByTestId('backend');
  await expect(backend).toHaveAttribute('data-state', 'ready');
  await expect(backend).toHaveText('wasm');
  // The cached responses carry the isolation headers: threads still run.
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('adapter')).toContainText('threaded build');
  // The kernel threads' worker came from the cache too: they started.
  await expect(page.getByTestId('adapter')).not.toContainText('one thread:');
  await page.screenshot({ path: testInfo.outputPath('offline.png') });

  // The compute worker answers, and SegNet trains an epoch, all offline.
  await page.getByTestId('backend-check').click();
  await expect(page.getByTestId('backend-check-result')).toHaveAttribute('data-state', 'done');
  await expect(page.getByTestId('backend-check-result')).toHaveAttribute('data-backend', 'wasm');
  await page.getByTestId('train-segnet').click();
  await expect(page.getByTestId('segnet-status')).toHaveAttribute('data-state', 'running');
  await expect.poll(() => epochsCharted(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
  await page.getByTestId('stop-training').click();
  await expect(page.getByTestId('segnet-status')).toHaveAttribute('data-state', 'idle');

  expect(fromNetwork, 'responses that did not come from the service worker').toEqual([]);
  for (const file of [
    /index\.html$|\/(\?.*)?$/,
    /compute\.worker-.*\.js$/,
    /threaded-simd-.*\.wasm$/,
  ]) {
    expect(
      fromWorker.some((url) => file.test(url)),
      `${file} from the service worker`,
    ).toBe(true);
  }
  // Nothing else was refused in the page (the fetches above count once per policy there: the
  // <meta> and the header).
  expect(violations.filter((v) => !OTHER_ORIGINS.includes(v.blockedURI))).toEqual([]);
  await context.setOffline(false);
});

/** The build in `dir` served by `vite preview` (the project's headers) on the port of NEXT_BUILD. */
const NEXT_BUILD = 'http://localhost:4176';
const serve = (dir: string) =>
  preview({
    build: { outDir: dir },
    preview: { port: 4176, strictPort: true },
    logLevel: 'warn',
  });
const close = (server: PreviewServer) =>
  new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
const versionOf = (dir: string) =>
  /const VERSION = "([0-9a-f]+)"/.exec(readFileSync(join(dir, 'sw.js'), 'utf8'))?.[1] ?? '';

test.describe('a new build', () => {
  // Its own server, so that one build can replace another under the page.
  test.use({ baseURL: NEXT_BUILD });

  test('replaces the cache of the old one and keeps the stored data', async ({ page }) => {
    // The next build: dist with a changed index.html, and its service worker made again.
    const next = mkdtempSync(join(tmpdir(), 'lesion-lab-next-build-'));
    cpSync(DIST, next, { recursive: true });
    const html = readFileSync(join(next, 'index.html'), 'utf8');
    writeFileSync(
      join(next, 'index.html'),
      html.replace('</head>', '<!-- next build -->\n</head>'),
    );
    const source = readFileSync(join(ROOT, 'src', 'offline', 'serviceWorker.ts'), 'utf8');
    writeFileSync(join(next, 'sw.js'), await serviceWorkerScript(source, precacheOf(next)));
    const [first, second] = [versionOf(DIST), versionOf(next)];
    expect(second).not.toBe(first);

    let server = await serve(DIST);
    try {
      await page.goto('/?backend=cpu');
      await expect
        .poll(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller)))
        .toBe(true);
      // Loaded through the worker, the demo dataset's files are stored as they are used.
      await page.getByTestId('load-demo').click();
      await expect(page.getByTestId('ingest-status')).toHaveAttribute('data-state', 'done');
      await expect
        .poll(() => page.evaluate(() => caches.keys()))
        .toEqual([`lesion-lab-${first}`, `lesion-lab-${first}-runtime`]);

      // The new build is deployed; the next visit installs its worker, which deletes the old caches.
      await close(server);
      server = await serve(next);
      await page.reload();
      await expect
        .poll(() => page.evaluate(() => caches.keys()), { timeout: 30_000 })
        .toEqual([`lesion-lab-${second}`]);
      await page.reload();
      expect(await page.content()).toContain('<!-- next build -->');
      await expect(page.getByTestId('count-train-nevus')).toHaveAttribute('data-value', '69');
      await expect(page.getByTestId('count-test-masks')).toHaveAttribute('data-value', '30');
    } finally {
      await close(server);
      rmSync(next, { recursive: true, force: true });
    }
  });
});
