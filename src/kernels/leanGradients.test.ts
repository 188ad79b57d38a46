import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNet } from '../models/densenet.ts';
import { DENSENET_QUICK } from '../models/densenetConfig.ts';
import { setLeanGradients } from './leanGradients.ts';
import { registerTrainingKernels } from './register.ts';
import { randomValues, relativeError } from './testValues.ts';

beforeAll(() => registerTrainingKernels());
afterAll(async () => {
  setLeanGradients(true);
  await tf.setBackend('cpu');
});

/**
 * A function whose backward pass hands gradients on in every way tfjs does: a tensor used twice by
 * one op (Add(a, a)), gradients passed on unchanged (Add, Identity), split (Concat), accumulated
 * over several consumers, and ops that save inputs, outputs or both.
 */
function tangled(x: tf.Tensor, w: tf.Tensor): tf.Scalar {
  const doubled = tf.add(x, x);
  const mixed = tf.concat([tf.mul(x, w), doubled, tf.relu(x), tf.clone(x)], 1);
  const squashed = tf.sigmoid(tf.matMul(mixed, tf.transpose(mixed)));
  return tf.sum(tf.add(squashed, tf.mean(tf.square(doubled))));
}

async function values(tensors: tf.Tensor[]): Promise<Float32Array[]> {
  const out = await Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(tensors);
  return out;
}

function inputs(): [tf.Tensor, tf.Tensor] {
  return [tf.tensor(randomValues(1, 12), [3, 4]), tf.tensor(randomValues(2, 12), [3, 4])];
}

describe('lean backward pass', () => {
  it.each(['cpu', 'wasm'])(
    '%s: gives the stock gradients, leaves no tensor behind, and keeps a dy passed in',
    async (backend) => {
      await tf.setBackend(backend);
      const [x, w] = inputs();
      const dy = tf.scalar(0.5);
      const run = async (lean: boolean) => {
        setLeanGradients(lean);
        const tensors = tf.memory().numTensors;
        const { value, grads } = tf.engine().gradients(() => tangled(x, w), [x, w], dy);
        const out = await values([value, ...grads]);
        expect(tf.memory().numTensors).toBe(tensors);
        return out;
      };
      const stock = await run(false);
      const lean = await run(true);
      lean.forEach((actual, i) => expect(relativeError(actual, stock[i] as Float32Array)).toBe(0));
      expect(dy.isDisposed).toBe(false);
      tf.dispose([x, w, dy]);
    },
  );

  it('computes second derivatives (nested tapes keep their saved tensors)', async () => {
    await tf.setBackend('cpu');
    setLeanGradients(true);
    const x = tf.tensor1d([0.5, -1, 2]);
    const second = tf.grad(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.pow(t, 3), tf.sin(t)))));
    const d2 = (await second(x).data()) as Float32Array;
    // d²/dx² x³ sin x = 6x sin x + 6x² cos x − x³ sin x
    const expected = [0.5, -1, 2].map(
      (v) => 6 * v * Math.sin(v) + 6 * v * v * Math.cos(v) - v ** 3 * Math.sin(v),
    );
    d2.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    x.dispose();
  });

  // On cpu, batch norm is tfjs's small operations, whose saved tensors the lean pass frees early;
  // on wasm it is the project's two kernels (models/batchNorm.ts), which save less to begin with.
  it('trains DenseNet as the stock pass does, in less memory; less still with the fused batch norm', async () => {
    await tf.setBackend('cpu');
    const size = DENSENET_QUICK.inputSize;
    const xs = tf.tensor(randomValues(3, 4 * size * size * 3), [4, size, size, 3]);
    const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const reference = buildDenseNet({ ...DENSENET_QUICK, dropout: 0 });
    const initial = reference.getWeights().map((w) => w.clone());
    reference.dispose();
    const initialValues = await Promise.all(
      initial.map(async (w) => (await w.data()) as Float32Array),
    );
    const train = async (backend: string, lean: boolean) => {
      await tf.setBackend(backend);
      setLeanGradients(lean);
      const [x, y] = [xs.clone(), ys.clone()];
      const model = buildDenseNet({ ...DENSENET_QUICK, dropout: 0 });
      model.setWeights(initial);
      model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
      await model.trainOnBatch(x, y);
      const tensors = tf.memory().numTensors;
      const { peakBytes } = await tf.profile(async () => {
        await model.trainOnBatch(x, y);
      });
      expect(tf.memory().numTensors).toBe(tensors);
      const weights = await values(model.getWeights().map((w) => w.clone()));
      model.optimizer.dispose();
      model.dispose();
      tf.dispose([x, y]);
      return { peakBytes, weights };
    };
    const stock = await train('cpu', false);
    const lean = await train('cpu', true);
    const fused = await train('wasm', true);
    lean.weights.forEach((w, i) =>
      expect(relativeError(w, stock.weights[i] as Float32Array)).toBeLessThan(1e-5),
    );
    // Across backends Adam's first steps amplify rounding (a near-zero gradient still moves its
    // weight by the learning rate), so the fused run is checked for training at all here; its
    // batch norm against tfjs's in models/batchNorm.test.ts.
    expect(fused.weights.every((w) => w.every(Number.isFinite))).toBe(true);
    expect(
      fused.weights.some((w, i) => relativeError(w, initialValues[i] as Float32Array) > 0),
    ).toBe(true);
    expect(lean.peakBytes).toBeLessThan(stock.peakBytes * 0.8);
    expect(fused.peakBytes).toBeLessThan(lean.peakBytes * 0.8);
    await tf.setBackend('cpu');
    tf.dispose([xs, ys, ...initial]);
  });
});
