/**
 * The service worker that lets the built app open, train and diagnose with no network after the
 * first visit. Built into `sw.js` at the root of the build by scripts/offline-build.ts, which puts
 * the three constants below in front of it; never imported by the app.
 *
 * - **Install** stores every file of the build (the precache: the HTML, JavaScript, CSS, worker
 *   bundles, the tfjs WebAssembly binaries, manifest and icons) in a cache named after a hash of
 *   them, so each build installs a cache of its own; then it takes over at once (skipWaiting,
 *   clients.claim). Datasets, runs and models live in IndexedDB, which no build touches.
 * - **Activate** deletes the caches of earlier builds.
 * - **Fetch**, same-origin GET only: the precached files cache first; page loads (navigations)
 *   network first, the stored index.html when the network fails or stalls; the demo dataset
 *   (public/demo, not precached: it is large and optional) network first, stored as it is used.
 *   Everything else goes to the network untouched.
 *
 * Every response served here carries the cross-origin isolation headers (WebAssembly threads need
 * `crossOriginIsolated`, see vite.config.ts) and the Content-Security-Policy, so a copy from the
 * cache behaves as the server's response would, and a worker script gets the policy even from a
 * static host that sends no headers.
 *
 * Written by hand rather than with vite-plugin-pwa (which does support Vite 8): Workbox brings a
 * large dependency tree for a few lines of caching, and these headers would need a custom plugin
 * there anyway.
 */

/** Paths of the build's files, relative to this script. */
declare const PRECACHE: string[];
/** A hash of the precached files' names and contents. */
declare const VERSION: string;
/** Headers added to every response served here. */
declare const HEADERS: Record<string, string>;

// The parts of the service worker scope used here (the WebWorker lib would clash with the DOM lib
// the rest of src/ is checked against).
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly location: Location;
  skipWaiting(): Promise<void>;
  readonly clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const scope = self as unknown as ServiceWorkerScope;
const PREFIX = 'lesion-lab-';
const PRECACHE_NAME = `${PREFIX}${VERSION}`;
const RUNTIME_NAME = `${PREFIX}${VERSION}-runtime`;
/** How long a page load waits for the network before the stored page is used. */
const NAVIGATION_TIMEOUT_MS = 5000;

const absolute = (path: string) => new URL(path, scope.location.href).href;
const precached = new Set(PRECACHE.map(absolute));
const indexUrl = absolute('index.html');
const demoPrefix = absolute('demo/');

scope.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(PRECACHE_NAME);
      // `reload`: past the HTTP cache, so a file of an older build is never stored for this one.
      await cache.addAll(PRECACHE.map((path) => new Request(absolute(path), { cache: 'reload' })));
      await scope.skipWaiting();
    })(),
  );
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(PREFIX) && name !== PRECACHE_NAME)
          .filter((name) => name !== RUNTIME_NAME)
          .map((name) => caches.delete(name)),
      );
      await scope.clients.claim();
    })(),
  );
});

scope.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.location.origin) return;
  url.hash = '';
  if (request.mode === 'navigate') {
    event.respondWith(navigation(request));
  } else if (precached.has(url.href)) {
    event.respondWith(cacheFirst(request));
  } else if (url.href.startsWith(demoPrefix)) {
    event.respondWith(networkFirst(request));
  }
});

/** The network's page if it answers in time, else the stored index.html. */
async function navigation(request: Request): Promise<Response> {
  try {
    const response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS);
    // A redirect (opaque here) goes back to the browser as it came.
    return response.type === 'basic' ? withHeaders(response) : response;
  } catch (error) {
    const stored = await caches.match(indexUrl, { cacheName: PRECACHE_NAME });
    if (stored) return withHeaders(stored);
    throw error;
  }
}

async function cacheFirst(request: Request): Promise<Response> {
  const stored = await caches.match(request, { cacheName: PRECACHE_NAME, ignoreVary: true });
  return withHeaders(stored ?? (await fetch(request)));
}

async function networkFirst(request: Request): Promise<Response> {
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') {
      const cache = await caches.open(RUNTIME_NAME);
      await cache.put(request, response.clone());
    }
    return withHeaders(response);
  } catch (error) {
    const stored = await caches.match(request, { cacheName: RUNTIME_NAME, ignoreVary: true });
    if (stored) return withHeaders(stored);
    throw error;
  }
}

/** The same response with the isolation headers and the policy set. */
function withHeaders(response: Response): Response {
  if (response.type !== 'basic' && response.type !== 'default') return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(HEADERS)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`No answer in ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

// A module for the type checker (its names stay out of the app's); the build drops this line and
// runs the script as a classic worker, which every browser with service workers supports.
export {};
