import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from './register.ts';
import { randomValues, relativeError } from './testValues.ts';

const SHAPE: [number, number, number, number] = [3, 5, 6, 4];

/** Batch normalisation as tfjs-layers trains it: the statistics are the batch's own. */
function normalise(fused: boolean) {
  return (...[x, scale, offset]: tf.Tensor[]) => {
    const { mean, variance } = tf.moments(x as tf.Tensor, [0, 1, 2]);
    const y = fused
      ? tf.batchNorm(x as tf.Tensor4D, mean, variance, offset, scale, 1e-3)
      : tf
          .sub(x as tf.Tensor, mean)
          .mul(tf.rsqrt(tf.add(variance, 1e-3)))
          .mul(scale as tf.Tensor)
          .add(offset as tf.Tensor);
    return y.mul(tf.tensor(randomValues(4, 3 * 5 * 6 * 4), SHAPE)).sum();
  };
}

const backward = (fused: boolean) =>
  tf.tidy(() =>
    tf.grads(normalise(fused))([
      tf.tensor(randomValues(1, 3 * 5 * 6 * 4), SHAPE),
      tf.tensor(randomValues(2, 4)).add(2),
      tf.tensor(randomValues(3, 4)),
    ]),
  );

async function gradients(fused: boolean): Promise<Float32Array[]> {
  const grads = backward(fused);
  const values = await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array));
  tf.dispose(grads);
  return values;
}

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('batch-norm gradient', () => {
  it.each(['cpu', 'wasm'])(
    '%s: equals the gradient of the same normalisation written as plain operations',
    async (backend) => {
      await tf.setBackend(backend);
      const tensors = tf.memory().numTensors;
      const [x, scale, offset] = await gradients(true);
      const [xRef, scaleRef, offsetRef] = await gradients(false);
      expect(relativeError(x as Float32Array, xRef as Float32Array)).toBeLessThan(1e-4);
      expect(relativeError(scale as Float32Array, scaleRef as Float32Array)).toBeLessThan(1e-4);
      expect(relativeError(offset as Float32Array, offsetRef as Float32Array)).toBeLessThan(1e-4);
      expect(tf.memory().numTensors).toBe(tensors);
    },
  );

  it('has no Tile in its backward pass', async () => {
    await tf.setBackend('cpu');
    const profile = await tf.profile(() => backward(true));
    expect(profile.kernelNames).not.toContain('Tile');
  });
});
