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
import {
  BATCH_NORM_RELU_TRAINING,
  BATCH_NORM_TRAINING,
  MOVING_AVERAGES,
} from '../kernels/wasm/batchNormTraining.ts';
import { RELU_GRADIENT } from '../kernels/wasm/channels.ts';
import {
  Activation,
  BatchNormalization,
  activation,
  batchNormalization,
  fuseBatchNormRelu,
} from './batchNorm.ts';
import { buildDenseNet, DENSENET_QUICK } from './densenet.ts';
import { buildSegNet, SEGNET_QUICK } from './segnet.ts';

interface Outcome {
  values: Float32Array[];
  kernels: string[];
}

/** One training pass of a fresh layer (and the layer `after` it) and its gradients, on `backend`. */
async function pass(
  backend: string,
  shape: number[],
  make: () => tf.layers.Layer,
  after?: () => tf.layers.Layer,
): Promise<Outcome> {
  await tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const layer = make();
  const next = after?.();
  const model = tf.sequential({
    layers: [tf.layers.inputLayer({ inputShape: shape.slice(1) }), layer, ...(next ? [next] : [])],
  });
  fuseBatchNormRelu(model);
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
    const normalised = layer.apply(input, { training: true }) as tf.Tensor;
    const y = next ? (next.apply(normalised, { training: true }) as tf.Tensor) : normalised;
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
      expect(own.kernels).toContain(MOVING_AVERAGES);
      expect(own.kernels).not.toContain('Square');
      // output, dx, dgamma, dbeta, moving mean, moving variance
      expect(own.values).toHaveLength(6);
      own.values.forEach((v, i) =>
        expect(relativeError(v, tfjs.values[i] as Float32Array), `value ${i}`).toBeLessThan(1e-4),
      );
    },
  );

  it.each([[[2, 5, 6, 7]], [[1, 3, 2, 300]]])(
    '%j, with the ReLU after it: one kernel for both, output and gradients as tfjs’s layers',
    async (shape) => {
      const own = await pass(
        'wasm',
        shape,
        () => batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
        () => activation({ activation: 'relu' }),
      );
      const tfjs = await pass(
        'cpu',
        shape,
        () => tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-3 }),
        () => tf.layers.activation({ activation: 'relu' }),
      );
      expect(own.kernels).toContain(BATCH_NORM_RELU_TRAINING);
      expect(own.kernels).not.toContain('Relu');
      expect(own.kernels).not.toContain(RELU_GRADIENT);
      own.values.forEach((v, i) =>
        expect(relativeError(v, tfjs.values[i] as Float32Array), `value ${i}`).toBeLessThan(1e-4),
      );
    },
  );

  it('leaves the ReLU to its layer where the output goes out of the model too', async () => {
    await tf.setBackend('wasm');
    const input = tf.input({ shape: [3, 3, 4] });
    const bn = batchNormalization({});
    const normalised = bn.apply(input) as tf.SymbolicTensor;
    const relu = activation({ activation: 'relu' });
    const model = tf.model({
      inputs: input,
      outputs: [relu.apply(normalised) as tf.SymbolicTensor, normalised],
    });
    expect(fuseBatchNormRelu(model)).toBe(0);
    const x = tf.tensor(randomValues(5, 2 * 3 * 3 * 4), [2, 3, 3, 4]);
    const info = await tf.profile(() => {
      const y = bn.apply(x, { training: true }) as tf.Tensor;
      return [y, relu.apply(y, { training: true }) as tf.Tensor];
    });
    const [y, activated] = info.result as tf.Tensor[];
    expect(info.kernels.map((k) => k.name)).toContain(BATCH_NORM_TRAINING);
    expect(info.kernels.map((k) => k.name)).toContain('Relu');
    expect((await y?.data())?.some((v) => v < 0)).toBe(true);
    expect((await activated?.data())?.every((v) => v >= 0)).toBe(true);
    tf.dispose([x, ...(info.result as tf.Tensor[])]);
    model.dispose();
  });

  it('marks every batch norm of the SegNet and the DenseNet, each followed by its ReLU', () => {
    for (const model of [buildSegNet(SEGNET_QUICK), buildDenseNet(DENSENET_QUICK)]) {
      const batchNorms = model.layers.filter((l) => l instanceof BatchNormalization);
      expect(batchNorms.length).toBeGreaterThan(4);
      expect(fuseBatchNormRelu(model)).toBe(batchNorms.length);
      model.dispose();
    }
  });

  it('trains a SegNet with its ReLUs fused as tfjs does unfused, tensors coming and going', async () => {
    const losses: number[][] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      tf.util.assert(tf.getBackend() === backend, () => backend);
      const model = buildSegNet({ ...SEGNET_QUICK, inputSize: 16 });
      model.setWeights(
        model.getWeights().map((w, i) => tf.tensor(randomValues(20 + i, w.size), w.shape)),
      );
      model.compile({ optimizer: tf.train.sgd(0.01), loss: 'binaryCrossentropy' });
      expect(fuseBatchNormRelu(model)).toBeGreaterThan(0);
      const x = tf.tensor(randomValues(7, 2 * 16 * 16 * 3), [2, 16, 16, 3]);
      const y = tf.tidy(() =>
        tf
          .tensor(randomValues(8, 2 * 16 * 16), [2, 16, 16, 1])
          .greater(0)
          .toFloat(),
      );
      const first = await model.trainOnBatch(x, y);
      const tensors = tf.memory().numTensors;
      const run = [first as number];
      for (let i = 0; i < 2; i++) run.push((await model.trainOnBatch(x, y)) as number);
      expect(tf.memory().numTensors).toBe(tensors);
      losses.push(run);
      tf.dispose([x, y]);
      model.dispose();
    }
    const [wasm, cpu] = losses as [number[], number[]];
    wasm.forEach((loss, i) => expect(loss).toBeCloseTo(cpu[i] as number, 3));
  });

  it('is tfjs’s layer elsewhere: on the cpu backend', async () => {
    const own = await pass('cpu', [2, 3, 3, 4], () => batchNormalization({}));
    expect(own.kernels).not.toContain(BATCH_NORM_TRAINING);
  });

  it('saves as tfjs’s BatchNormalization and Activation and loads back into these classes', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [4, 4, 3] });
    const normalised = batchNormalization({ name: 'bn' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: activation({ activation: 'relu', name: 'relu' }).apply(
        normalised,
      ) as tf.SymbolicTensor,
    });
    const json = model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } };
    expect(json.config.layers.map((l) => l.class_name)).toEqual(
      expect.arrayContaining(['BatchNormalization', 'Activation']),
    );
    const loaded = await tf.models.modelFromJSON({ modelTopology: json } as never);
    expect(loaded.getLayer('bn')).toBeInstanceOf(BatchNormalization);
    expect(loaded.getLayer('relu')).toBeInstanceOf(Activation);
    model.dispose();
    loaded.dispose();
  });
});
