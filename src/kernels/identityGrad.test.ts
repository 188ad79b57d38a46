/**
 * Identity's gradient hands dy on without a copy (a Cast): through one clone and a chain of them,
 * on the cpu and wasm backends, with the backward pass the app trains with.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerTrainingKernels } from './register.ts';
import { randomValues } from './testValues.ts';

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

it.each(['cpu', 'wasm'])(
  'on %s: the gradient through clones is dy, with no Cast',
  async (backend) => {
    await tf.setBackend(backend);
    const tensors = tf.memory().numTensors;
    const x = tf.tensor(randomValues(1, 24), [2, 3, 4]);
    const dy = tf.tensor(randomValues(2, 24), [2, 3, 4]);
    const info = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.clone(tf.clone(t)))(x, dy));
    const dx = info.result as tf.Tensor;
    expect(info.kernels.map((k) => k.name)).not.toContain('Cast');
    expect(Array.from(await dx.data())).toEqual(Array.from(await dy.data()));
    // Nothing left behind (dx may be the caller's dy itself, as tfjs gives it for y = x).
    tf.dispose([x, dy, dx]);
    expect(tf.memory().numTensors).toBe(tensors);
  },
);
