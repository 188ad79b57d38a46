/**
 * The app's Adam: on the wasm backend one kernel call updates every variable, and the values and
 * moments it gives are tfjs's own Adam's (run on the cpu backend from the same start) for several
 * steps, through a save and restore of its state, with a variable left without a gradient.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../kernels/register.ts';
import { randomValues, relativeError } from '../kernels/testValues.ts';
import { FUSED_ADAM } from '../kernels/wasm/adam.ts';
import { adam } from './adam.ts';

const SHAPES = [[3, 3, 4, 8], [8], [70001], [5, 7]];

interface Outcome {
  values: Float32Array[];
  weights: Float32Array[];
  kernels: string[];
}

/** `steps` Adam steps from the same values and gradients, with tfjs's or the app's optimizer. */
async function train(
  backend: string,
  make: () => tf.Optimizer,
  steps: number,
  restartAfter?: number,
): Promise<Outcome> {
  await tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const variables = tf.tidy(() =>
    SHAPES.map((shape, k) =>
      tf.variable(
        tf.tensor(randomValues(k + 1, tf.util.sizeFromShape(shape)), shape),
        true,
        `w${k}`,
      ),
    ),
  );
  let optimizer = make();
  const kernels = new Set<string>();
  for (let step = 0; step < steps; step++) {
    if (step === restartAfter) {
      const saved = await optimizer.getWeights();
      const copies = saved.map(({ name, tensor }) => ({ name, tensor: tensor.clone() }));
      optimizer.dispose();
      optimizer = make();
      await optimizer.setWeights(copies);
      // The iteration count is a tensor made for the save; the moments are the optimizer's own.
      tf.dispose([saved[0]?.tensor, ...copies.map((c) => c.tensor)]);
    }
    const gradients = variables.slice(0, 3).map((v, k) => ({
      name: v.name,
      tensor: tf.tensor(randomValues(100 * step + k, v.size), v.shape),
    }));
    const profile = await tf.profile(() => optimizer.applyGradients(gradients));
    for (const k of profile.kernels) kernels.add(k.name);
    tf.dispose(gradients.map((g) => g.tensor));
  }
  const values = await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array));
  const saved = await optimizer.getWeights();
  const weights = await Promise.all(
    saved.map(async (w) => (await w.tensor.data()) as Float32Array),
  );
  saved[0]?.tensor.dispose();
  optimizer.dispose();
  tf.dispose(variables);
  expect(tf.memory().numTensors).toBe(tensors);
  return { values, weights, kernels: [...kernels] };
}

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the app’s Adam', () => {
  it('updates every variable in one kernel call on wasm, as tfjs’s Adam does on cpu', async () => {
    const fused = await train('wasm', () => adam(0.01), 4);
    const reference = await train('cpu', () => tf.train.adam(0.01), 4);
    expect(fused.kernels).toContain(FUSED_ADAM);
    expect(fused.kernels).not.toContain('Sqrt');
    expect(reference.kernels).toContain('Sqrt');
    fused.values.forEach((v, k) => expect(v).toEqual(reference.values[k]));
    expect(fused.weights.length).toBe(reference.weights.length);
    fused.weights.forEach((w, k) => expect(w).toEqual(reference.weights[k]));
    // The variable without a gradient kept its value.
    expect(fused.values[3]).toEqual(randomValues(4, 35));
  });

  it('goes on from saved state as tfjs’s Adam does', async () => {
    const restarted = await train('wasm', () => adam(0.01), 4, 2);
    const reference = await train('cpu', () => tf.train.adam(0.01), 4, 2);
    const continuous = await train('wasm', () => adam(0.01), 4);
    restarted.values.forEach((v, k) => {
      expect(relativeError(v, reference.values[k] as Float32Array)).toBeLessThan(1e-6);
      // tfjs restores beta^t as a power, not the running product: the last bits may move.
      expect(relativeError(v, continuous.values[k] as Float32Array)).toBeLessThan(1e-5);
    });
  });

  it('is tfjs’s Adam on another backend', async () => {
    const app = await train('cpu', () => adam(0.01), 2);
    const tfjs = await train('cpu', () => tf.train.adam(0.01), 2);
    expect(app.kernels).not.toContain(FUSED_ADAM);
    app.values.forEach((v, k) => expect(v).toEqual(tfjs.values[k]));
  });
});
