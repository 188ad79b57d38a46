import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../kernels/register.ts';
import { MAX_BATCH, timeTrainingStep } from './stepTiming.ts';

describe('timing one training step', () => {
  beforeAll(() => registerTrainingKernels());

  it.each([
    { model: 'segnet', mode: undefined, work: /^SegNet 24 px, batch 4, one training step$/ },
    { model: 'classifier', mode: undefined, work: /one training step \(fine-tune\)$/ },
    { model: 'classifier', mode: 'frozen', work: /one feature pass \(frozen backbone\)$/ },
  ] as const)(
    '$model $mode: times the quick preset’s model on the running backend, and leaves nothing behind',
    async ({ model, mode, work }) => {
      await tf.setBackend('wasm');
      const tensors = tf.memory().numTensors;
      const timing = await timeTrainingStep(
        { backend: 'wasm', model, preset: 'quick', ...(mode ? { mode } : {}), steps: 2 },
        { backend: 'wasm', adapter: 'test CPU' },
      );
      expect(timing).toMatchObject({ backend: 'wasm', adapter: 'test CPU' });
      expect(tf.getBackend()).toBe('wasm');
      expect(timing.work).toMatch(work);
      expect(timing.batch).toBe(MAX_BATCH);
      expect(timing.stepSeconds).toBeGreaterThan(0);
      expect(timing.imagesPerSecond).toBeCloseTo(timing.batch / timing.stepSeconds, 6);
      expect(tf.memory().numTensors).toBe(tensors);
      await tf.setBackend('cpu');
    },
  );
});
