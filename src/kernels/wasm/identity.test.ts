import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { registerTrainingKernels } from '../register.ts';

beforeAll(async () => {
  registerTrainingKernels();
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

it('clones on wasm without copying, and the clone outlives the original', async () => {
  const data = tf.engine().backend.numDataIds();
  const x = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const copy = tf.clone(x);
  expect(tf.engine().backend.numDataIds()).toBe(data + 1);
  x.dispose();
  expect(Array.from(await copy.data())).toEqual([1, 2, 3, 4]);
  copy.dispose();
  expect(tf.engine().backend.numDataIds()).toBe(data);
});
