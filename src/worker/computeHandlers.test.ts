import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { computeHandlers } from './computeHandlers.ts';
import { runIfIdle } from './jobs.ts';

const ignore = () => undefined;

/** A job that runs until `finish` is called, as a long training or masking would. */
function holdJob(name: string, stoppable = true) {
  let finish = () => {};
  const done = runIfIdle(name, () => new Promise<void>((resolve) => (finish = resolve)), {
    stoppable,
  });
  return { done, finish: () => (finish(), done) };
}

describe('the compute worker refuses a backend switch while a job runs', () => {
  let held: ReturnType<typeof holdJob> | null = null;
  afterEach(async () => {
    await held?.finish();
    held = null;
  });

  it.each(['Training', 'Masking', 'Evaluation', 'Diagnosis', 'Importing a model'])(
    'while %s runs: refused, naming the job, and the backend stays',
    async (job) => {
      await computeHandlers.init({ backend: 'cpu' }, ignore);
      held = holdJob(job);
      const switching = computeHandlers.init({ backend: 'wasm' }, ignore);
      await expect(switching).rejects.toThrow(
        new RegExp(`^${job} is running: the backend cannot change until it finishes`),
      );
      await expect(switching).rejects.not.toThrow(/\byou\b/i);
      expect(tf.getBackend()).toBe('cpu');

      await held.finish();
      held = null;
      await expect(computeHandlers.init({ backend: 'wasm' }, ignore)).resolves.toMatchObject({
        backend: 'wasm',
      });
      expect(tf.getBackend()).toBe('wasm');
    },
  );

  it('refuses a job while the backend is being switched', async () => {
    const switching = computeHandlers.init({ backend: 'cpu' }, ignore);
    await expect(runIfIdle('Masking', async () => 'ran')).rejects.toThrow(
      /^Switching the backend is running/,
    );
    await switching;
    await expect(runIfIdle('Masking', async () => 'ran')).resolves.toBe('ran');
  });

  it('says a job that cannot be stopped can only be waited for', async () => {
    held = holdJob('Diagnosis', false);
    await expect(computeHandlers.init({ backend: 'cpu' }, ignore)).rejects.toThrow(
      /^Diagnosis is running: the backend cannot change until it finishes\.$/,
    );
    await expect(runIfIdle('Masking', async () => 'ran')).rejects.toThrow(
      /^Diagnosis is running: wait for it to finish\.$/,
    );
    await expect(computeHandlers.stop({}, ignore)).resolves.toEqual({ stopped: false });
  });
});

describe('the compute worker deletes nothing under a running job', () => {
  let held: ReturnType<typeof holdJob> | null = null;
  afterEach(async () => {
    await held?.finish();
    held = null;
  });

  it.each(['Training', 'Evaluation', 'Diagnosis'])(
    'while %s runs: a run and the ImageNet weights are kept, and can be deleted after',
    async (job) => {
      held = holdJob(job);
      await expect(
        computeHandlers.deleteRun({ runId: 'run-1', kind: 'classifier' }, ignore),
      ).rejects.toThrow(new RegExp(`^${job} is running`));
      await expect(computeHandlers.deletePretrained({}, ignore)).rejects.toThrow(
        new RegExp(`^${job} is running`),
      );
      await held.finish();
      held = null;
      await expect(
        computeHandlers.deleteRun({ runId: 'run-1', kind: 'classifier' }, ignore),
      ).resolves.toBeNull();
      await expect(computeHandlers.deletePretrained({}, ignore)).resolves.toBeNull();
    },
  );
});
