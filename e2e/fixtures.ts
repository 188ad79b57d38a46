/**
 * The shared test fixture. Every test fails if the page requests any origin but the app's own
 * (patient images never leave the browser) or throws an uncaught error.
 */
import { test as base, expect } from '@playwright/test';

export interface Guards {
  /** URLs of requests the page made to other origins. */
  foreignRequests: string[];
  /** Uncaught errors in the page or its workers. */
  pageErrors: string[];
}

export function isForeign(url: string, appOrigin: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:')) return false;
  return new URL(url).origin !== appOrigin;
}

export const test = base.extend<{ guards: Guards }>({
  guards: [
    async ({ page, baseURL }, use) => {
      const appOrigin = new URL(baseURL ?? 'http://localhost').origin;
      const guards: Guards = { foreignRequests: [], pageErrors: [] };
      page.on('request', (request) => {
        if (isForeign(request.url(), appOrigin)) guards.foreignRequests.push(request.url());
      });
      page.on('pageerror', (error) => guards.pageErrors.push(error.message));
      await use(guards);
      expect(guards.foreignRequests, 'requests to other origins').toEqual([]);
      expect(guards.pageErrors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
