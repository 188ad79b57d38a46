/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vite';
import {
  ISOLATION_HEADERS,
  SECURITY_HEADERS,
  contentSecurityPolicy,
  serviceWorker,
} from './scripts/offline-build.ts';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  base: './',
  define: { __APP_VERSION__: JSON.stringify(version) },
  // The build also gets a Content-Security-Policy and a service worker (scripts/offline-build.ts).
  plugins: [react(), contentSecurityPolicy(), serviceWorker()],
  worker: {
    format: 'es',
    // tfjs-backend-wasm starts its threads from the source text of a function (toString) that
    // reads a variable of the enclosing module, guarded by `typeof`: minifying renames it or folds
    // the guard away, and every thread dies ("e is not defined"). The worker bundle is only
    // stripped of dead code.
    rolldownOptions: { output: { minify: 'dce-only' } },
  },
  // Cross-origin isolation lets the WebAssembly backend use threads (SharedArrayBuffer); a static
  // host must send the same headers (see README.md). The dev server has no Content-Security-Policy:
  // its hot reload needs a websocket and inline scripts.
  server: { port: 5173, strictPort: true, headers: ISOLATION_HEADERS },
  preview: { port: 4173, strictPort: true, headers: SECURITY_HEADERS },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  test: {
    // Tests on real data (`*.real.test.ts`) read a folder beside the repository that a clone does
    // not have: only `npm run test:real` (TESTS=real) runs them.
    ...(process.env.TESTS === 'real'
      ? { include: ['src/**/*.real.test.ts'] }
      : {
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/*.real.test.ts', '**/node_modules/**'],
        }),
    environment: 'node',
    testTimeout: 60_000,
    // A worker per core: Vitest's default keeps one core for itself, which on a 2-core machine
    // runs the files one at a time (measured here: 164 s for the suite, 96 s with both cores).
    maxWorkers: availableParallelism(),
    // Relaxed SIMD, which the wasm kernels use where the engine has it (Chromium does), is behind a
    // flag before Node 22.
    execArgv:
      Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [],
  },
});
