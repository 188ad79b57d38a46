/**
 * A helper thread of the wasm kernels in Node, for the unit tests: a worker_threads Worker that
 * loads this file through tsx and serves calls as the browser's kernelThread.worker.ts does.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { serveKernelThread, type KernelThreadInit } from './kernelThread.ts';
import type { SpawnThread } from './threads.ts';

// Loaded through tsx's API (a worker's execArgv does not take its loader on Node 20). V8's flags
// (relaxed SIMD on Node 20) are the process's: the thread has them without asking.
const BOOT = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`;

const ROLE = 'wasm kernel thread';

export const spawnNodeThread: SpawnThread = () =>
  new Worker(BOOT, { eval: true, workerData: ROLE });

// Only in a thread spawned above: a test runner's own threads have a parentPort too.
if (workerData === ROLE) {
  parentPort?.once('message', (init: KernelThreadInit) => serveKernelThread(init));
}
