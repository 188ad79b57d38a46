/**
 * A Vite dev server of the repository, for specs that open a page outside the built app (the
 * WebGPU kernels' page, bench/kernels/index.html): it serves the app's modules from src/ as they
 * are, with the app's vite.config.ts (isolation headers, worker format).
 */
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

const ROOT = join(import.meta.dirname, '..', '..');

export async function startDevServer(port: number, pages: string[]): Promise<ViteDevServer> {
  const server = await createServer({
    root: ROOT,
    cacheDir: join(ROOT, 'node_modules', '.vite-e2e'),
    logLevel: 'warn',
    clearScreen: false,
    server: { port, strictPort: true, hmr: false, watch: null },
    // Found up front, so the server never re-optimises (and reloads the page) mid-test.
    optimizeDeps: {
      entries: pages,
      include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu'],
    },
  });
  await server.listen();
  return server;
}
