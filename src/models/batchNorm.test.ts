/**
 * The models' batch-norm layer in training: on the wasm backend two kernels of the project's own,
 * whose output, gradients (input, gamma, beta) and moving averages match tfjs's own layer on the
 * cpu backend; and the same class name, so saved models load into it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../kernels/register.ts';
import { randomValues, relativeError } from '../kernels/testValues.ts';
import { BATCH_NORM_TRAINING } from '../kernels/wasm/batchNormTraining.ts';
import { BatchNormalization, batchNormalization } from './batchNorm.ts';

interface Outcome {
  values: Float32Array[];
  kernels: string[];
}

/** One training pass of a fresh layer and its gradients, on `backend`. */
async function pass(
  backend: string,
  shape: number[],
  make: () => tf.layers.Layer,
): Promise<Outcome> {
  await tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const layer = make();
  const model = tf.sequential({
    layers: [tf.layers.inputLayer({ inputShape: shape.slice(1) }), layer],
  });
  const size = tf.util.sizeFromShape(shape);
  const x = tf.tensor(
    randomValues(1, size).map((v) => 3 * v + 1),
    shape,
  );
  const weight = tf.tensor(randomValues(2, size), shape);
  // Gamma and beta away from 1 and 0, as after some training.
  const channels = shape.at(-1) as number;
  tf.tidy(() =>
    layer.setWeights([
      tf.tensor(randomValues(3, channels).map((v) => 1 + v / 2)),
      tf.tensor(randomValues(4, channels)),
      ...layer.getWeights().slice(2),
    ]),
  );
  let output: tf.Tensor | undefined;
  const loss = (input: tf.Tensor) => {
    const y = layer.apply(input, { training: true }) as tf.Tensor;
    output ??= tf.keep(y.clone());
    return y.mul(weight).sum() as tf.Scalar;
  };
  const info = await tf.profile(() => {
    const dx = tf.grad(loss)(x);
    const { grads, value } = tf.variableGrads(() => loss(x));
    value.dispose();
    return [dx, ...layer.trainableWeights.map((w) => grads[w.name] as tf.Tensor)];
  });
  const results = info.result as tf.Tensor[];
  const values = await Promise.all(
    [output as tf.Tensor, ...results, ...layer.getWeights().slice(2)].map(
      async (t) => (await t.data()) as Float32Array,
    ),
  );
  tf.dispose([output as tf.Tensor, ...results, x, weight]);
  model.dispose();
  expect(tf.memory().numTensors).toBe(tensors);
  return { values, kernels: info.kernels.map((k) => k.name) };
}

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the batch-norm layer in training', () => {
  it.each([[[2, 5, 6, 7]], [[1, 3, 2, 300]]])(
    '%j: output, gradients and moving averages as tfjs’s layer',
    async (shape) => {
      const own = await pass('wasm', shape, () =>
        batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
      );
      const tfjs = await pass('cpu', shape, () =>
        tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
      );
      expect(own.kernels).toContain(BATCH_NORM_TRAINING);
      expect(own.kernels).not.toContain('Square');
      // output, dx, dgamma, dbeta, moving mean, moving variance
      expect(own.values).toHaveLength(6);
      own.values.forEach((v, i) =>
        expect(relativeError(v, tfjs.values[i] as Float32Array), `value ${i}`).toBeLessThan(1e-4),
      );
    },
  );

  it('is tfjs’s layer elsewhere: on the cpu backend', async () => {
    const own = await pass('cpu', [2, 3, 3, 4], () => batchNormalization({}));
    expect(own.kernels).not.toContain(BATCH_NORM_TRAINING);
  });

  it('saves as tfjs’s BatchNormalization and loads back into this class', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [4, 4, 3] });
    const model = tf.model({
      inputs: input,
      outputs: batchNormalization({ name: 'bn' }).apply(input) as tf.SymbolicTensor,
    });
    const json = model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } };
    expect(json.config.layers.map((l) => l.class_name)).toContain('BatchNormalization');
    const loaded = await tf.models.modelFromJSON({ modelTopology: json } as never);
    expect(loaded.getLayer('bn')).toBeInstanceOf(BatchNormalization);
    model.dispose();
    loaded.dispose();
  });
});
