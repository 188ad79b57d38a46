/**
 * The build's offline and privacy parts (vite.config.ts), for `vite build` only:
 *
 * - `contentSecurityPolicy()` puts the document's Content-Security-Policy in index.html as a
 *   `<meta>` tag: what a static host serves with no headers of its own. The dev server has none
 *   (its hot reload needs a websocket and inline scripts).
 * - `serviceWorker()` writes `sw.js` at the root of the build: src/offline/serviceWorker.ts with
 *   the list of every file the build wrote (the precache; the demo dataset left out) and a hash
 *   of their names and contents as the cache's version, so a new build installs a new cache.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { transformWithOxc, type Plugin } from 'vite';

/**
 * The Content-Security-Policy. No origin but the app's own is allowed anywhere, so an image, a
 * model or anything else cannot be sent elsewhere (`connect-src 'self'`: fetch, XHR, WebSocket,
 * beacons) nor anything loaded from elsewhere. `'wasm-unsafe-eval'` lets WebAssembly compile; no
 * JavaScript is evaluated from text (neither tfjs nor the app uses `eval` or `new Function`), no
 * inline script or style runs. React sets style attributes through the DOM (`element.style`),
 * which the policy does not govern, so `style-src 'self'` is enough.
 *
 * `forWorkers` gives the policy every response gets as a header (`vite preview` sends it, the
 * service worker adds it to what it serves, a static host should send it): a worker loaded from a
 * URL follows the policy of its own response, not the page's `<meta>`, so this is the one that
 * keeps the compute and ingest workers (where the images are) to the app's origin. It must let
 * those workers run tfjs-backend-wasm's threads, which start as workers from blob: URLs and load
 * the backend's code from another blob: URL (`importScripts`): hence `blob:` for scripts and
 * workers there (a blob: URL holds only what the app's own code put in it). `frame-ancestors
 * 'none'` (no other site may frame the app) works only in a header.
 */
function policy(forWorkers: boolean): string {
  const blob = forWorkers ? ['blob:'] : [];
  const directives: string[][] = [
    ['default-src', "'self'"],
    ['script-src', "'self'", "'wasm-unsafe-eval'", ...blob],
    ['worker-src', "'self'", ...blob],
    ['connect-src', "'self'"],
    // blob: the Evaluation stage draws a chart's SVG, as a blob: URL, onto a canvas to save a PNG.
    ['img-src', "'self'", 'blob:'],
    ['style-src', "'self'"],
    ['object-src', "'none'"],
    ['base-uri', "'self'"],
    ['form-action', "'none'"],
    ...(forWorkers ? [['frame-ancestors', "'none'"]] : []),
  ];
  return directives.map((parts) => parts.join(' ')).join('; ');
}

/** The page's policy, in the built index.html's `<meta>`. */
export const DOCUMENT_POLICY = policy(false);
/** The policy as a response header, for every response, workers' scripts included. */
export const HEADER_POLICY = policy(true);

/**
 * Cross-origin isolation lets the WebAssembly backend use threads (SharedArrayBuffer). A static
 * host must send the same two headers; see README.md.
 */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** Every header the service worker sets on what it serves (and `vite preview` sends). */
export const SECURITY_HEADERS = {
  ...ISOLATION_HEADERS,
  'Content-Security-Policy': HEADER_POLICY,
};

export function contentSecurityPolicy(): Plugin {
  return {
    name: 'lesion-lab:content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: DOCUMENT_POLICY },
        // Before anything the policy governs: a <meta> policy applies only to what follows it.
        injectTo: 'head-prepend',
      },
    ],
  };
}

/** The service worker's file at the root of the build. */
export const SERVICE_WORKER_FILE = 'sw.js';
/** Folders of the build not precached: the demo dataset (public/demo), fetched when it is used. */
const NOT_PRECACHED = ['demo/'];

export interface Precache {
  /** Paths relative to the build's root, with `/`, sorted. */
  files: { path: string; bytes: number }[];
  /** The first 16 hex digits of a SHA-256 of every path and its file's contents. */
  version: string;
}

/** The files of the build at `dir` that the service worker stores on install. */
export function precacheOf(dir: string): Precache {
  const paths = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => path !== SERVICE_WORKER_FILE)
    .filter((path) => !NOT_PRECACHED.some((folder) => path.startsWith(folder)))
    .sort();
  const hash = createHash('sha256');
  const files = paths.map((path) => {
    const contents = readFileSync(join(dir, path));
    hash.update(`${path}\0${contents.length}\0`).update(contents);
    return { path, bytes: contents.length };
  });
  return { files, version: hash.digest('hex').slice(0, 16) };
}

/** The service worker's script: `source` (TypeScript) with the precache and headers put in. */
export async function serviceWorkerScript(source: string, precache: Precache): Promise<string> {
  const { code } = await transformWithOxc(source, 'serviceWorker.ts', { lang: 'ts' });
  // The source is a module only for the type checker; the worker runs as a classic script.
  const body = code.replace(/^export \{\};?\s*$/m, '');
  const constants = [
    `const PRECACHE = ${JSON.stringify(precache.files.map((file) => file.path))};`,
    `const VERSION = ${JSON.stringify(precache.version)};`,
    `const HEADERS = ${JSON.stringify(SECURITY_HEADERS)};`,
  ];
  return `(() => {\n${constants.join('\n')}\n${body}})();\n`;
}

export function serviceWorker(): Plugin {
  let root = process.cwd();
  return {
    name: 'lesion-lab:service-worker',
    apply: 'build',
    configResolved(config) {
      root = config.root;
    },
    // After every file of the build is written, the worker bundles and public/ included.
    writeBundle: {
      order: 'post',
      sequential: true,
      async handler(options) {
        const dir = options.dir ?? join(root, 'dist');
        const precache = precacheOf(dir);
        const source = readFileSync(join(root, 'src', 'offline', 'serviceWorker.ts'), 'utf8');
        writeFileSync(join(dir, SERVICE_WORKER_FILE), await serviceWorkerScript(source, precache));
        const bytes = precache.files.reduce((sum, file) => sum + file.bytes, 0);
        this.info(
          `${SERVICE_WORKER_FILE}: ${precache.files.length} files, ${bytes} bytes precached, version ${precache.version}`,
        );
      },
    },
  };
}
