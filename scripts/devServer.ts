/**
 * A Vite dev server of the repository for pages outside the built app (the benchmark pages under
 * bench/, which the benchmarks and e2e/gpuKernels.spec.ts open): it serves the app's modules from
 * src/ as they are, with the app's vite.config.ts (defines, worker format, isolation headers), on
 * a port of its own, without watching or reloading, with a dependency cache of its own.
 */
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

const ROOT = join(import.meta.dirname, '..');

export async function startDevServer({
  port,
  pages,
  cacheDir,
}: {
  port: number;
  /** The pages it will serve, relative to the repository: their imports are scanned up front. */
  pages: string[];
  cacheDir: string;
}): Promise<ViteDevServer> {
  const server = await createServer({
    root: ROOT,
    cacheDir,
    logLevel: 'warn',
    clearScreen: false,
    server: { port, strictPort: true, hmr: false, watch: null },
    optimizeDeps: {
      entries: pages,
      // Found up front, so the server never re-optimises (and reloads a page) while a worker runs.
      include: [
        '@tensorflow/tfjs',
        '@tensorflow/tfjs-backend-webgpu',
        '@tensorflow/tfjs-backend-wasm',
        'idb-keyval',
      ],
    },
  });
  await server.listen();
  return server;
}
