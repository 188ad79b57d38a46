/**
 * The models' convolution layer in training: the same output and gradients as tfjs's own layer,
 * without the input gradient nobody asked for where it has no bias or activation (the first
 * convolution of DenseNet, whose input is the image); and the same class name, so saved models
 * load into it.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerTrainingKernels } from '../kernels/register.ts';
import { randomValues, relativeError } from '../kernels/testValues.ts';
import { Conv2D, conv2d } from './conv2d.ts';

type Args = Parameters<typeof tf.layers.conv2d>[0];

interface Outcome {
  /** The output, then the gradient of each trainable weight, then the input's where asked. */
  values: Float32Array[];
  kernels: string[];
}

/** One training pass of a layer built by `make` with the same starting weights, on `backend`. */
async function pass(
  backend: string,
  make: (args: Args) => tf.layers.Layer,
  args: Args,
  inputGradient: boolean,
): Promise<Outcome> {
  await tf.setBackend(backend);
  const tensors = tf.memory().numTensors;
  const shape = [2, 9, 9, 3];
  const layer = make({ ...args, kernelInitializer: 'glorotUniform', biasInitializer: 'ones' });
  const model = tf.sequential({
    layers: [tf.layers.inputLayer({ inputShape: shape.slice(1) }), layer],
  });
  tf.tidy(() =>
    layer.setWeights(
      layer.getWeights().map((w, i) => tf.tensor(randomValues(10 + i, w.size), w.shape)),
    ),
  );
  const x = tf.tensor(randomValues(1, tf.util.sizeFromShape(shape)), shape);
  const output = tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor);
  const weight = tf.tensor(randomValues(2, output.size), output.shape);
  const loss = (input: tf.Tensor) =>
    (layer.apply(input, { training: true }) as tf.Tensor).mul(weight).sum() as tf.Scalar;
  const info = await tf.profile(() => {
    const { grads, value } = tf.variableGrads(() => loss(x));
    value.dispose();
    const dx = inputGradient ? [tf.grad(loss)(x)] : [];
    return [...layer.trainableWeights.map((w) => grads[w.name] as tf.Tensor), ...dx];
  });
  const results = info.result as tf.Tensor[];
  const values = await Promise.all(
    [output, ...results].map(async (t) => (await t.data()) as Float32Array),
  );
  tf.dispose([output, ...results, x, weight]);
  model.dispose();
  expect(tf.memory().numTensors).toBe(tensors);
  return { values, kernels: info.kernels.map((k) => k.name) };
}

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the convolution layer in training', () => {
  const stem: Args = { filters: 4, kernelSize: 3, strides: 2, padding: 'same', useBias: false };

  it.each(['cpu', 'wasm'])(
    'on %s, with no bias: tfjs’s output and kernel gradient, and no input gradient',
    async (backend) => {
      const own = await pass(backend, conv2d, stem, false);
      const tfjs = await pass(backend, (a) => tf.layers.conv2d(a), stem, false);
      own.values.forEach((v, i) =>
        expect(relativeError(v, tfjs.values[i] as Float32Array)).toBeLessThan(1e-6),
      );
      expect(tfjs.kernels).toContain('Conv2DBackpropInput');
      expect(own.kernels).not.toContain('Conv2DBackpropInput');
      expect(own.kernels).toContain('Conv2DBackpropFilter');
    },
  );

  it('gives the input gradient where it is asked for', async () => {
    const own = await pass('wasm', conv2d, stem, true);
    const tfjs = await pass('wasm', (a) => tf.layers.conv2d(a), stem, true);
    expect(own.values).toHaveLength(3);
    own.values.forEach((v, i) =>
      expect(relativeError(v, tfjs.values[i] as Float32Array)).toBeLessThan(1e-6),
    );
  });

  it('is tfjs’s layer with a bias or an activation', async () => {
    for (const args of [
      { ...stem, useBias: true },
      { ...stem, activation: 'relu' as const },
    ]) {
      const own = await pass('cpu', conv2d, args, false);
      const tfjs = await pass('cpu', (a) => tf.layers.conv2d(a), args, false);
      expect(own.kernels).toEqual(tfjs.kernels);
      own.values.forEach((v, i) => expect(v).toEqual(tfjs.values[i]));
    }
  });

  it('saves as tfjs’s Conv2D and loads back into this class', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [4, 4, 3] });
    const model = tf.model({
      inputs: input,
      outputs: conv2d({ filters: 2, kernelSize: 3, name: 'conv' }).apply(
        input,
      ) as tf.SymbolicTensor,
    });
    const json = model.toJSON(undefined, false) as { config: { layers: { class_name: string }[] } };
    expect(json.config.layers.map((l) => l.class_name)).toContain('Conv2D');
    const loaded = await tf.models.modelFromJSON({ modelTopology: json } as never);
    expect(loaded.getLayer('conv')).toBeInstanceOf(Conv2D);
    model.dispose();
    loaded.dispose();
  });
});
