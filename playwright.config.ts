import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.ts';

const PORT = 4173;

/**
 * E2E tests run Debian's Chromium (scripts/chromium.ts) against `vite preview` of the built app,
 * with a real WebGPU adapter: the WebGPU backend is exercised for real, only slowly here.
 */
/** `npm run test:real` (TESTS=real) runs the specs on real data, which read a folder beside the
 * repository; `npm test` never does. */
const REAL = process.env.TESTS === 'real';

export default defineConfig({
  testDir: 'e2e',
  ...(REAL ? { testMatch: '**/*.real.spec.ts' } : { testIgnore: '**/*.real.spec.ts' }),
  globalSetup: './e2e/global-setup.ts',
  timeout: 180_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    viewport: { width: 1280, height: 900 },
    // The built app's service worker stores the whole build (about 10 MB) on each fresh profile,
    // which storage figures would count; e2e/offline.spec.ts lets it run.
    serviceWorkers: 'block',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
