import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackendName } from '../pipeline/backends.ts';
import type { StepTiming, StepTimingParams } from '../training/stepTiming.ts';
import {
  LIMIT,
  cachedMeasurement,
  forgetMeasurements,
  measureBackends,
  type ProbePort,
} from './backendChoice.ts';
import type { RpcReply, RpcRequest } from '../lib/rpc.ts';
import type { ProbeApi } from '../worker/protocol.ts';

type Behaviour =
  { answerAfterMs: number; imagesPerSecond: number } | { failWith: string } | 'silent';

/** A probe worker that answers as told, and records whether it was terminated. */
function fakeProbes(behaviours: Record<BackendName, Behaviour>) {
  const terminated: BackendName[] = [];
  const start = (): ProbePort => {
    let onMessage: (event: MessageEvent<RpcReply<ProbeApi, never>>) => void = () => undefined;
    let backend: BackendName | null = null;
    return {
      addEventListener(type: string, listener: unknown) {
        if (type === 'message') onMessage = listener as typeof onMessage;
      },
      postMessage(message: RpcRequest<ProbeApi>) {
        const params = message.params as StepTimingParams;
        backend = params.backend;
        const behaviour = behaviours[params.backend];
        if (behaviour === 'silent') return;
        const reply = (data: RpcReply<ProbeApi, never>) =>
          onMessage({ data } as MessageEvent<RpcReply<ProbeApi, never>>);
        if ('failWith' in behaviour) {
          setTimeout(() =>
            reply({
              id: message.id,
              status: 'error',
              error: { name: 'Error', message: behaviour.failWith },
            }),
          );
          return;
        }
        const timing: StepTiming = {
          backend: params.backend,
          adapter: 'fake',
          work: 'a fake step',
          batch: 4,
          firstStepSeconds: 0.01,
          stepSeconds: 4 / behaviour.imagesPerSecond,
          imagesPerSecond: behaviour.imagesPerSecond,
        };
        setTimeout(
          () => reply({ id: message.id, status: 'done', result: timing }),
          behaviour.answerAfterMs,
        );
      },
      terminate() {
        if (backend) terminated.push(backend);
      },
    } as ProbePort;
  };
  return { start, terminated };
}

const WORK = { model: 'segnet', preset: 'quick' } as const;
const least = LIMIT.leastSeconds;

afterEach(async () => {
  LIMIT.leastSeconds = least;
  await forgetMeasurements();
});

describe('backend choice by measurement', () => {
  it('picks the most images per second, reports progress, and keeps the result', async () => {
    const probes = fakeProbes({
      webgpu: { answerAfterMs: 5, imagesPerSecond: 6 },
      webgl: { answerAfterMs: 5, imagesPerSecond: 15 },
      wasm: { answerAfterMs: 5, imagesPerSecond: 145 },
      cpu: { answerAfterMs: 5, imagesPerSecond: 10 },
    });
    const seen: string[] = [];
    const result = await measureBackends(
      WORK,
      (p) => seen.push(`${p.done}/${p.total} ${p.backend}`),
      probes.start,
    );
    expect(result.fastest).toBe('wasm');
    expect(result.trials.map((t) => t.timing?.imagesPerSecond)).toEqual([6, 15, 145, 10]);
    expect(seen).toEqual(['0/4 webgpu', '1/4 webgl', '2/4 wasm', '3/4 cpu']);
    expect(probes.terminated).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect((await cachedMeasurement(WORK))?.fastest).toBe('wasm');
    expect(await cachedMeasurement({ ...WORK, preset: 'seed' })).toBeUndefined();
    expect(await cachedMeasurement({ model: 'classifier', preset: 'quick' })).toBeUndefined();
  });

  it('stops a backend that does not answer in time, and records one that fails', async () => {
    LIMIT.leastSeconds = 0.2;
    const probes = fakeProbes({
      webgpu: 'silent',
      webgl: { failWith: 'no WebGL 2 here' },
      wasm: { answerAfterMs: 5, imagesPerSecond: 1.3 },
      cpu: 'silent',
    });
    const result = await measureBackends(WORK, undefined, probes.start);
    expect(result.fastest).toBe('wasm');
    const [webgpu, webgl, , cpu] = result.trials;
    expect(webgpu?.timing).toBeNull();
    expect(webgpu?.reason).toMatch(/no answer within/);
    expect(webgl?.reason).toBe('no WebGL 2 here');
    expect(cpu?.reason).toMatch(/no answer within/);
    // The limit after an answer: half the least, as the answer came fast.
    expect(cpu?.seconds).toBeGreaterThanOrEqual(0.09);
    expect(cpu?.seconds).toBeLessThan(0.19);
    expect(probes.terminated).toContain('webgpu');
    expect(probes.terminated).toContain('cpu');
  });

  it('has no fastest when no backend answered', async () => {
    LIMIT.leastSeconds = 0.05;
    const probes = fakeProbes({
      webgpu: 'silent',
      webgl: 'silent',
      wasm: { failWith: 'no' },
      cpu: 'silent',
    });
    expect((await measureBackends(WORK, undefined, probes.start)).fastest).toBeNull();
  });
});
