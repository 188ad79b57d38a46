/**
 * Backend choice by measurement (page side; never imports tfjs). Before the first training of a
 * model with a preset on this device, one probe worker per backend times one training step of that
 * very model (src/training/stepTiming.ts); the fastest in images per second trains. The result is kept
 * per device, model and preset in IndexedDB, so the timing runs once; the person can measure again
 * or force a backend (`?backend=`, or the choice in the performance panel).
 *
 * A probe that does not answer within its time limit is terminated with its worker (GPU work and
 * all) and counts as too slow: the limit is `LIMIT.leastSeconds` until a backend has answered, then
 * `LIMIT.timesFastest` times the fastest answer so far, never less than `LIMIT.leastSeconds / 2`.
 */
import { clear, get, set } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import { BACKENDS, type BackendName } from '../pipeline/backends.ts';
import type { ClassifierMode, PresetName } from '../pipeline/presets.ts';
import type { StepTiming, StepTimingParams, TimedModel } from '../training/stepTiming.ts';
import type { ProbeApi } from '../worker/protocol.ts';
import { RpcClient, type WorkerPort } from '../lib/rpc.ts';

export type ProbePort = WorkerPort<ProbeApi, never>;

export const LIMIT = { leastSeconds: 20, timesFastest: 2 };
/** Timed steps after the first, per backend. */
const STEPS = 2;

export interface BackendTrial {
  backend: BackendName;
  /** The step's timing; null when the backend failed or was too slow. */
  timing: StepTiming | null;
  /** Why there is no timing, in words. */
  reason?: string;
  /** Wall time of the whole probe: worker start, model build, first and timed steps. */
  seconds: number;
}

export interface BackendMeasurement extends TimedWork {
  /** The device it was measured on (browser, cores, isolation). */
  device: string;
  measuredAt: string;
  trials: BackendTrial[];
  /** The backend with the most images per second; null when none answered. */
  fastest: BackendName | null;
}

export interface MeasureProgress {
  backend: BackendName;
  /** Backends timed so far, of `total`. */
  done: number;
  total: number;
}

const timings = store('backendTimings');

export function deviceKey(): string {
  return [
    globalThis.navigator?.userAgent ?? 'unknown browser',
    `${globalThis.navigator?.hardwareConcurrency ?? '?'} threads`,
    globalThis.crossOriginIsolated ? 'isolated' : 'not isolated',
  ].join(' · ');
}

/** What is timed: a model, with a preset, and for the classifier its mode. */
export interface TimedWork {
  model: TimedModel;
  preset: PresetName;
  mode?: ClassifierMode;
}

const keyOf = ({ model, preset, mode }: TimedWork) =>
  [model, preset, ...(model === 'classifier' && mode ? [mode] : []), deviceKey()].join('/');

export function cachedMeasurement(work: TimedWork): Promise<BackendMeasurement | undefined> {
  return get<BackendMeasurement>(keyOf(work), timings);
}

/** Forgets every stored measurement: the next training measures again. */
export function forgetMeasurements(): Promise<void> {
  return clear(timings);
}

const startProbeWorker = (): ProbePort =>
  new Worker(new URL('../worker/probe.worker.ts', import.meta.url), {
    type: 'module',
    name: 'backend-probe',
  }) as unknown as ProbePort;

class ProbeTimeout extends Error {}

async function probe(
  params: StepTimingParams,
  limitSeconds: number,
  startProbe: () => ProbePort,
): Promise<BackendTrial> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const worker = startProbe();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    let fatal: (error: Error) => void = () => undefined;
    const crashed = new Promise<never>((_, reject) => (fatal = reject));
    const client = new RpcClient<ProbeApi, never>(worker, 'backend probe', (failure) =>
      fatal(new Error(failure.message)),
    );
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeTimeout()), limitSeconds * 1000);
    });
    const timing = await Promise.race([client.call('timeStep', params), crashed, late]);
    return { backend: params.backend, timing, seconds: seconds() };
  } catch (error) {
    const reason =
      error instanceof ProbeTimeout
        ? `no answer within ${limitSeconds.toFixed(0)} s: slower than the others`
        : error instanceof Error
          ? error.message
          : String(error);
    return { backend: params.backend, timing: null, reason, seconds: seconds() };
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
}

function fastestOf(trials: BackendTrial[]): BackendName | null {
  let fastest: BackendTrial | null = null;
  for (const trial of trials) {
    if (!trial.timing) continue;
    if (!fastest?.timing || trial.timing.imagesPerSecond > fastest.timing.imagesPerSecond)
      fastest = trial;
  }
  return fastest?.backend ?? null;
}

/** Times every backend in turn, stores the result for this device, and returns it. */
export async function measureBackends(
  work: TimedWork,
  onProgress: (progress: MeasureProgress) => void = () => undefined,
  startProbe: () => ProbePort = startProbeWorker,
): Promise<BackendMeasurement> {
  const trials: BackendTrial[] = [];
  let fastestSeconds = Infinity;
  for (const [done, backend] of BACKENDS.entries()) {
    onProgress({ backend, done, total: BACKENDS.length });
    const limit = Number.isFinite(fastestSeconds)
      ? Math.max(LIMIT.leastSeconds / 2, LIMIT.timesFastest * fastestSeconds)
      : LIMIT.leastSeconds;
    const trial = await probe({ ...work, backend, steps: STEPS }, limit, startProbe);
    trials.push(trial);
    if (trial.timing) fastestSeconds = Math.min(fastestSeconds, trial.seconds);
  }
  const measurement: BackendMeasurement = {
    ...work,
    device: deviceKey(),
    measuredAt: new Date().toISOString(),
    trials,
    fastest: fastestOf(trials),
  };
  await set(keyOf(work), measurement, timings);
  return measurement;
}
