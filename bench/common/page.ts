/**
 * What a benchmark's page does (served by Vite's dev server, driven from Node by
 * bench/common/driver.ts): hands the options to the benchmark's worker, logs its progress to the
 * console as `[label] text`, passes each finished round to the driver (`window.benchRound`, which
 * the driver exposes), and resolves with the worker's result or rejects with its error. A run
 * may name its worker, for the next run to share (`pageWorker`).
 */
import type { WorkerMessage } from './protocol.ts';

declare global {
  interface Window {
    /** Exposed by the driver (page.exposeFunction): keeps each round as it arrives. */
    benchRound?: (round: unknown) => Promise<void>;
  }
}

/**
 * The benchmark's entry for the page's `window`: each call is one run in a worker. A call that
 * names the worker of the call before it runs in that worker (with its backend, the shaders it
 * has compiled and the memory it holds); otherwise the old worker is ended and a fresh one
 * started. A worker whose run failed is ended too.
 */
export function pageWorker<Options, Result, Round>(
  start: () => Worker,
  label: (options: Options) => string,
): (options: Options, name?: string) => Promise<Result> {
  let kept: { name: string; worker: Worker } | undefined;
  return async (options, name) => {
    const reused = name !== undefined && kept?.name === name ? kept.worker : undefined;
    if (!reused) kept?.worker.terminate();
    kept = undefined;
    const worker = reused ?? start();
    // A run that fails ends its worker (driveWorker) and so keeps nothing.
    const result = await driveWorker<Options, Result, Round>(worker, options, label(options));
    if (name === undefined) worker.terminate();
    else kept = { name, worker };
    return result;
  };
}

function driveWorker<Options, Result, Round>(
  worker: Worker,
  options: Options,
  label: string,
): Promise<Result> {
  // The listeners of this run, removed when it ends.
  const run = new AbortController();
  const { signal } = run;
  return new Promise<Result>((resolve, reject) => {
    const fail = (message: string) => {
      worker.terminate();
      reject(new Error(message));
    };
    worker.addEventListener(
      'message',
      (event: MessageEvent<WorkerMessage<Result, Round>>) => {
        const message = event.data;
        if (message.type === 'progress') console.log(`[${label}] ${message.text}`);
        else if (message.type === 'round') void window.benchRound?.(message.round);
        else if (message.type === 'error') fail(message.message);
        else resolve(message.result);
      },
      { signal },
    );
    // A module that fails to load or an error nobody caught (a plain Event when loading failed).
    worker.addEventListener(
      'error',
      (event: Event) => {
        const error = event as ErrorEvent;
        fail(
          error.message
            ? `worker error: ${error.message} (${error.filename}:${error.lineno})`
            : 'the worker failed to start (a module did not load)',
        );
      },
      { signal },
    );
    worker.addEventListener(
      'messageerror',
      () => fail('a message from the worker did not arrive'),
      {
        signal,
      },
    );
    worker.postMessage(options);
  }).finally(() => run.abort());
}
