/** The compute runtime: which backend runs, on which adapter, and whether the worker is healthy. */
import type { StateCreator } from 'zustand';
import { backendChoiceFromSearch } from '../pipeline/backends.ts';
import { computeClient, type ComputeClient } from '../worker/client.ts';
import type { BackendCheck, BackendInfo } from '../worker/protocol.ts';
import type { AppState } from './index.ts';

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
  };
  /** Starts the compute worker and picks the backend from `?backend=` (once). */
  bootRuntime: (search: string) => Promise<void>;
  /** Runs the backend check in the worker. */
  checkBackend: () => Promise<void>;
}

let client: ComputeClient | null = null;

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

  return {
    runtime: {
      status: 'starting',
      info: null,
      error: null,
      check: { state: 'idle', result: null, error: null },
    },

    bootRuntime: async (search) => {
      if (client) return;
      try {
        const choice = backendChoiceFromSearch(search);
        client = computeClient((failure) =>
          setRuntime({ status: 'error', error: failure.message }),
        );
        const info = await client.call('init', { backend: choice });
        setRuntime({ status: 'ready', info, error: null });
      } catch (error) {
        setRuntime({
          status: 'error',
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },

    checkBackend: async () => {
      if (!client || get().runtime.status !== 'ready') return;
      setCheck({ state: 'running', error: null });
      try {
        setCheck({ state: 'done', result: await client.call('checkBackend', { size: 64 }) });
      } catch (error) {
        setCheck({ state: 'error', error: error instanceof Error ? error.message : String(error) });
      }
    },
  };
};
