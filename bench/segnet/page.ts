/**
 * The SegNet training benchmark's page (served by Vite's dev server, driven by bench/segnet.ts):
 * `window.runSegNetBench(options)` starts the benchmark's worker, logs its progress to the console
 * and resolves with its figures, or rejects with the worker's error.
 */
import type { SegNetRunOptions, SegNetRunResult, WorkerMessage } from './protocol.ts';

declare global {
  interface Window {
    runSegNetBench: (options: SegNetRunOptions) => Promise<SegNetRunResult>;
  }
}

window.runSegNetBench = (options) =>
  new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./segnet.worker.ts', import.meta.url), { type: 'module' });
    const fail = (message: string) => {
      worker.terminate();
      reject(new Error(message));
    };
    worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.type === 'progress') console.log(`[segnet ${options.backend}] ${message.text}`);
      else if (message.type === 'error') fail(message.message);
      else {
        worker.terminate();
        resolve(message.result);
      }
    });
    // A module that fails to load or an error nobody caught (a plain Event when loading failed).
    worker.addEventListener('error', (event: Event) => {
      const error = event as ErrorEvent;
      fail(
        error.message
          ? `worker error: ${error.message} (${error.filename}:${error.lineno})`
          : 'the worker failed to start (a module did not load)',
      );
    });
    worker.addEventListener('messageerror', () => fail('a message from the worker did not arrive'));
    worker.postMessage(options);
  });
