/** The compute runtime: which backend runs, on which adapter, and whether the worker is healthy. */
import type { StateCreator } from 'zustand';
import {
  backendChoiceFromSearch,
  engineChoiceFromSearch,
  threadsFromSearch,
  type BackendChoice,
  type EngineChoice,
} from '../pipeline/backends.ts';
import {
  cachedMeasurement,
  forgetMeasurements,
  measureBackends,
  type BackendMeasurement,
  type MeasureProgress,
  type TimedWork,
} from '../client/backendChoice.ts';
import { computeClient, type ComputeClient } from '../client/compute.ts';
import type { BackendCheck, BackendInfo } from '../worker/protocol.ts';
import type { AppState } from './index.ts';
import { errorText } from '../lib/errorText.ts';

export type RuntimeStatus = 'starting' | 'ready' | 'error';

export interface RuntimeSlice {
  runtime: {
    status: RuntimeStatus;
    info: BackendInfo | null;
    /** What went wrong, for the person: a backend that failed, or a crashed worker. */
    error: string | null;
    check: {
      state: 'idle' | 'running' | 'done' | 'error';
      result: BackendCheck | null;
      error: string | null;
    };
    /** 'auto': train on the backend measured fastest; else the one the person forced. */
    preference: BackendChoice;
    /** 'auto': the WebGPU training engine where it runs; 'tfjs': tfjs always (`?engine=tfjs`). */
    engine: EngineChoice;
    /** The latest backend timing (see src/client/backendChoice.ts). */
    measurement: {
      state: 'idle' | 'running' | 'done' | 'error';
      progress: MeasureProgress | null;
      result: BackendMeasurement | null;
      error: string | null;
    };
    /**
     * The jobs this page has asked of the compute worker (training, masking, evaluation, a
     * diagnosis, an import) that have not ended, in words ("training the SegNet"): while any runs,
     * the backend stays as it is.
     */
    jobs: string[];
  };
  /** Runs `work` (a job for the compute worker) listed in `runtime.jobs` as `name` until it ends. */
  runJob: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  /**
   * Before training: with the preference 'auto', switches the worker to the backend measured
   * fastest for this work, timing every backend first when this device has no timing for it yet.
   * A failed timing leaves the backend as it is: training goes on.
   */
  prepareBackend: (
    work: TimedWork,
    onProgress?: (progress: MeasureProgress) => void,
  ) => Promise<void>;
  /** Forces a backend (or 'auto') for this session and switches the worker to it. */
  setBackendPreference: (choice: BackendChoice) => Promise<void>;
  /** Trains through the WebGPU engine where it runs ('auto') or through tfjs, from the next run. */
  setEnginePreference: (choice: EngineChoice) => void;
  /** Forgets the stored timings: the next training measures again. */
  forgetBackendTimings: () => Promise<void>;
  /**
   * Starts the compute worker (once) on the backend `?backend=` forces, else on the one this device
   * measured fastest for the preset's SegNet, else on the first that works.
   */
  bootRuntime: (search: string) => Promise<void>;
  /** Runs the backend check in the worker. */
  checkBackend: () => Promise<void>;
}

let client: ComputeClient | null = null;

const NO_MEASUREMENT: RuntimeSlice['runtime']['measurement'] = {
  state: 'idle',
  progress: null,
  result: null,
  error: null,
};

/** The compute worker, for the slices that send it work; it is started by `bootRuntime`. */
export function compute(): ComputeClient {
  if (!client) throw new Error('The compute worker has not started.');
  return client;
}

export const createRuntimeSlice: StateCreator<AppState, [], [], RuntimeSlice> = (set, get) => {
  const setRuntime = (patch: Partial<RuntimeSlice['runtime']>) =>
    set((state) => ({ runtime: { ...state.runtime, ...patch } }));
  const setCheck = (patch: Partial<RuntimeSlice['runtime']['check']>) =>
    set((state) => ({
      runtime: { ...state.runtime, check: { ...state.runtime.check, ...patch } },
    }));
  const setMeasurement = (patch: Partial<RuntimeSlice['runtime']['measurement']>) =>
    set((state) => ({
      runtime: { ...state.runtime, measurement: { ...state.runtime.measurement, ...patch } },
    }));
  /** The WebAssembly backend's threads, from the address (?threads=); absent: every core. */
  let threads: number | undefined;
  /** Moves the worker to a backend ('auto': the first that works); `forced`: the person chose it. */
  const switchBackend = async (worker: ComputeClient, backend: BackendChoice, forced: boolean) => {
    const info = await worker.call('init', { backend, ...(threads ? { threads } : {}) });
    setRuntime({ info: { ...info, forced }, error: null });
  };

  return {
    runtime: {
      status: 'starting',
      info: null,
      error: null,
      check: { state: 'idle', result: null, error: null },
      preference: 'auto',
      engine: 'auto',
      measurement: NO_MEASUREMENT,
      jobs: [],
    },

    runJob: async (name, work) => {
      setRuntime({ jobs: [...get().runtime.jobs, name] });
      try {
        return await work();
      } finally {
        const jobs = [...get().runtime.jobs];
        jobs.splice(jobs.indexOf(name), 1);
        setRuntime({ jobs });
      }
    },

    bootRuntime: async (search) => {
      if (client) return;
      try {
        const choice = backendChoiceFromSearch(search);
        const engine = engineChoiceFromSearch(search);
        threads = threadsFromSearch(search);
        client = computeClient((failure) =>
          setRuntime({ status: 'error', error: failure.message }),
        );
        setRuntime({ preference: choice, engine });
        // Start on the backend this device measured fastest for the preset's SegNet, if it did.
        const timed =
          choice === 'auto'
            ? await cachedMeasurement({ model: 'segnet', preset: get().preset }).catch(
                () => undefined,
              )
            : undefined;
        const started = timed?.fastest
          ? await switchBackend(client, timed.fastest, false).then(
              () => true,
              () => false,
            )
          : false;
        if (started && timed) setMeasurement({ state: 'done', result: timed });
        else await switchBackend(client, choice, choice !== 'auto');
        setRuntime({ status: 'ready' });
      } catch (error) {
        setRuntime({ status: 'error', error: errorText(error) });
      }
    },

    prepareBackend: async (work, onProgress) => {
      const { preference, status, info } = get().runtime;
      if (!client || status !== 'ready' || preference !== 'auto') return;
      let result: BackendMeasurement;
      try {
        const cached = await cachedMeasurement(work);
        if (cached) {
          result = cached;
        } else {
          setMeasurement({ state: 'running', progress: null, error: null });
          result = await measureBackends(work, (progress) => {
            setMeasurement({ progress });
            onProgress?.(progress);
          });
        }
        setMeasurement({ state: 'done', result, progress: null, error: null });
      } catch (error) {
        setMeasurement({ state: 'error', progress: null, error: errorText(error) });
        return;
      }
      if (result.fastest && result.fastest !== info?.backend)
        await switchBackend(client, result.fastest, false);
    },

    setBackendPreference: async (choice) => {
      if (!client) return;
      setRuntime({ preference: choice });
      const current = get().runtime.info?.backend;
      const target = choice === 'auto' ? get().runtime.measurement.result?.fastest : choice;
      if (!target || target === current) return;
      try {
        await switchBackend(client, target, choice !== 'auto');
      } catch (error) {
        setRuntime({ error: errorText(error) });
      }
    },

    setEnginePreference: (choice) => setRuntime({ engine: choice }),

    forgetBackendTimings: async () => {
      await forgetMeasurements();
      setMeasurement(NO_MEASUREMENT);
    },

    checkBackend: async () => {
      if (!client || get().runtime.status !== 'ready') return;
      setCheck({ state: 'running', error: null });
      try {
        setCheck({ state: 'done', result: await client.call('checkBackend', { size: 64 }) });
      } catch (error) {
        setCheck({ state: 'error', error: errorText(error) });
      }
    },
  };
};
