/**
 * Registers the service worker (serviceWorker.ts, built as `sw.js`) in a production build, so the
 * app opens with no network after the first visit. Not in development, where Vite serves modules
 * one by one and there is no `sw.js`, and not where the browser has no service workers (an origin
 * that is not secure, a unit test in Node).
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || typeof navigator === 'undefined') return;
  if (!('serviceWorker' in navigator)) return;
  const register = () => {
    navigator.serviceWorker
      // `none`: every update check reads sw.js from the server, never from the HTTP cache.
      .register(`${import.meta.env.BASE_URL}sw.js`, { updateViaCache: 'none' })
      .catch((error: unknown) => {
        // The app works without it, only not offline.
        console.warn(
          'Lesion Lab will not work offline: the service worker did not register.',
          error,
        );
      });
  };
  // After the page has loaded: the precache's downloads do not compete with the app's own.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
