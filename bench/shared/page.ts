/**
 * What a training benchmark's page does (served by Vite's dev server, driven from Node by
 * bench/shared/driver.ts): hands the options to the benchmark's worker, logs its progress to the
 * console as `[label] text`, passes each finished round to the driver (`window.benchRound`, which
 * the driver exposes), and resolves with the worker's result or rejects with its error.
 */
import type { WorkerMessage } from './protocol.ts';

declare global {
  interface Window {
    /** Exposed by the driver (page.exposeFunction): keeps each round as it arrives. */
    benchRound?: (round: unknown) => Promise<void>;
  }
}

export function driveWorker<Options, Result, Round>(
  worker: Worker,
  options: Options,
  label: string,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      worker.terminate();
      reject(new Error(message));
    };
    worker.addEventListener('message', (event: MessageEvent<WorkerMessage<Result, Round>>) => {
      const message = event.data;
      if (message.type === 'progress') console.log(`[${label}] ${message.text}`);
      else if (message.type === 'round') void window.benchRound?.(message.round);
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
}
