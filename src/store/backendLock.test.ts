import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendInfo } from '../worker/protocol.ts';

/** The compute worker, faked: `init` answers at once; every other request waits for the test. */
const requests: {
  type: string;
  settle: (outcome: { result: unknown } | { error: Error }) => void;
}[] = [];
const info: BackendInfo = {
  backend: 'cpu',
  adapter: 'test',
  forced: true,
  attempts: [],
  tfjsVersion: '4.22.0',
};
vi.mock('../client/compute.ts', () => ({
  computeClient: () => ({
    call: (type: string) =>
      type === 'init'
        ? Promise.resolve(info)
        : new Promise((resolve, reject) =>
            requests.push({
              type,
              settle: (outcome) =>
                'error' in outcome ? reject(outcome.error) : resolve(outcome.result),
            }),
          ),
  }),
}));

const { useAppStore } = await import('./index.ts');
const { backendLock } = await import('./backendLock.ts');

const store = () => useAppStore.getState();
const files = [new File(['{}'], 'model.json')];

/** Lets the action reach its worker request. */
async function untilRequested(type: string): Promise<(typeof requests)[number]> {
  await vi.waitFor(() => expect(requests.map((r) => r.type)).toContain(type));
  return requests.find((r) => r.type === type) as (typeof requests)[number];
}

describe('the backend select is locked while any job of this page runs', () => {
  beforeEach(async () => {
    requests.length = 0;
    await store().bootRuntime('?backend=cpu');
    expect(store().runtime.status).toBe('ready');
  });

  it.each([
    ['training the SegNet', 'trainSegNet', () => store().train('segnet')],
    ['training the classifier', 'trainClassifier', () => store().train('classifier')],
    ['applying masks', 'applyMasks', () => store().applyMasks({ kind: 'truth' }, { crop: true })],
    [
      'evaluating a classifier run',
      'evaluate',
      () => {
        useAppStore.setState((s) => ({ evaluation: { ...s.evaluation, runId: 'run-1' } }));
        return store().evaluate();
      },
    ],
    ['diagnosing a photo', 'diagnose', () => store().diagnosePhoto(new File([''], 'a.jpg'))],
    ['importing ImageNet weights', 'importPretrained', () => store().importPretrained(files)],
    ['importing a model', 'importModel', () => store().importModel(files)],
  ])('%s: from its start until it ends', async (job, request, start) => {
    expect(backendLock(store())).toBeNull();
    const action = start();
    const pending = await untilRequested(request);
    // Before any progress (training has reported no batch yet).
    expect(backendLock(store())).toBe(
      `The backend cannot change while ${job}: it can once that finishes.`,
    );
    pending.settle({ error: new Error('stopped by the test') });
    await action;
    expect(backendLock(store())).toBeNull();
  });

  it('says why while the worker starts', () => {
    useAppStore.setState((s) => ({ runtime: { ...s.runtime, status: 'starting' } }));
    expect(backendLock(store())).toBe('The compute worker is still starting.');
    useAppStore.setState((s) => ({ runtime: { ...s.runtime, status: 'ready' } }));
  });
});
