/**
 * What a training benchmark's worker shares with the others: answering its page (progress, rounds,
 * the result or the error), the synthetic lesion photos it stores, and one timed epoch of bare
 * `model.fit` on tensors made beforehand (the baseline the app's loop is measured against).
 */
import * as tf from '@tensorflow/tfjs';
import { Random } from '../../src/lib/random.ts';
import { takeGpuFault } from '../../src/lib/gpuFaults.ts';
import type { EpochTiming, WorkerMessage } from './protocol.ts';
import { errorText } from '../../src/lib/errorText.ts';

function send(message: WorkerMessage<unknown, unknown>): void {
  self.postMessage(message);
}

/** A line for the page's console (and the driver's output). */
export function progress(text: string): void {
  send({ type: 'progress', text });
}

/** A finished round, kept by the driver even if the run later times out. */
export function sendRound(round: unknown): void {
  send({ type: 'round', round });
}

const describe = (error: unknown) =>
  error instanceof Error ? (error.stack ?? error.message) : String(error);

/** Runs the benchmark on the page's options and answers with its result or its error. */
export function serveBenchmark<Options, Result>(run: (options: Options) => Promise<Result>): void {
  self.addEventListener('message', (event: MessageEvent<Options>) => {
    run(event.data).then(
      (result) => send({ type: 'done', result }),
      (error: unknown) => {
        console.error(describe(error));
        send({ type: 'error', message: errorText(error) });
      },
    );
  });
  self.addEventListener('unhandledrejection', (event: PromiseRejectionEvent) => {
    send({ type: 'error', message: `unhandled rejection: ${describe(event.reason)}` });
  });
}

/** A skin-toned, noisy square photo with one dark elliptical lesion, and the lesion's mask. */
export function syntheticLesion(
  seed: number,
  index: number,
  size: number,
): { pixels: Uint8Array; mask: Uint8Array } {
  const random = new Random(seed * 1_000_003 + index);
  const skin = [random.uniform(170, 230), random.uniform(120, 170), random.uniform(100, 150)];
  const lesion = [random.uniform(60, 120), random.uniform(30, 70), random.uniform(20, 60)];
  const cx = random.uniform(0.3, 0.7) * size;
  const cy = random.uniform(0.3, 0.7) * size;
  const rx = random.uniform(0.12, 0.3) * size;
  const ry = random.uniform(0.12, 0.3) * size;
  const pixels = new Uint8Array(size * size * 3);
  const mask = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      const base = inside ? lesion : skin;
      const noise = (random.next() - 0.5) * 24;
      for (let c = 0; c < 3; c++) pixels[p * 3 + c] = (base[c] as number) + noise;
      mask[p] = inside ? 255 : 0;
    }
  }
  return { pixels, mask };
}

/**
 * `count` epochs (from number `epoch`, 0-based) of bare `model.fit` on tensors already on the
 * backend, shuffled, each timed from tfjs's epoch start to its epoch end (tfjs reads the epoch's
 * logs, waiting for the backend, before it calls onEpochEnd), and summed.
 */
export async function fitEpoch(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  batchSize: number,
  epoch: number,
  count = 1,
): Promise<EpochTiming> {
  let begun = 0;
  let seconds = 0;
  await model.fit(x, y, {
    batchSize,
    epochs: epoch + count,
    initialEpoch: epoch,
    shuffle: true,
    verbose: 0,
    callbacks: {
      onEpochBegin: async () => {
        begun = performance.now();
      },
      onEpochEnd: async () => {
        seconds += (performance.now() - begun) / 1000;
      },
    },
  });
  return { images: (x.shape[0] as number) * count, seconds };
}

/**
 * `measure` with a lost device explained: WebGPU reports the fault apart from the later call that
 * fails, so the error gets the fault's kind and message added.
 */
export function explainingGpuFaults<Options, Result>(
  measure: (options: Options) => Promise<Result>,
): (options: Options) => Promise<Result> {
  return async (options) => {
    // A fault from an earlier run in this worker (a page may reuse it) is not this run's.
    takeGpuFault();
    try {
      return await measure(options);
    } catch (error) {
      const fault = takeGpuFault();
      if (!fault) throw error;
      const message = errorText(error);
      const details = fault.message && !message.includes(fault.message) ? `: ${fault.message}` : '';
      throw new Error(`${message} (WebGPU: ${fault.kind}${details})`, { cause: error });
    }
  };
}
