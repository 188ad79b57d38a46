import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteDataset } from '../dataset/storage.ts';
import { inOrderPlan, segmentationSource, shuffledPlan } from '../loader/batches.ts';
import { squareLesion, storePairs } from '../loader/testLesions.ts';
import { buildSegNet } from '../models/segnet.ts';
import { trainLoop } from './loop.ts';
import { diceLoss } from './segmentationLoss.ts';
import { WeightAverage } from './weightAverage.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Two variables standing in for a model's weights (what `model.weights` gives). */
function weights(a: number[], b: number[]) {
  const variables: tf.Variable[] = [tf.variable(tf.tensor1d(a)), tf.variable(tf.tensor1d(b))];
  return {
    variables,
    list: variables.map((v) => ({
      read: () => v,
      write: (value: tf.Tensor) => v.assign(value),
    })),
    values: () => variables.map((v) => Array.from(v.dataSync())),
  };
}

describe('WeightAverage', () => {
  it('keeps the moving average of the weights, keeping less of it early on', () => {
    const w = weights([0, 10], [4]);
    const average = new WeightAverage(w.list, 0.9);
    let expected = [0, 10, 4];
    for (let step = 0; step < 30; step++) {
      const keep = Math.min(0.9, (1 + step) / (10 + step));
      expect(average.keep).toBeCloseTo(keep, 12);
      // The "training step": the weights move.
      w.variables[0]?.assign(tf.tensor1d([step, 10 - step]));
      w.variables[1]?.assign(tf.tensor1d([4 + 2 * step]));
      const now = [step, 10 - step, 4 + 2 * step];
      expected = expected.map((e, i) => keep * e + (1 - keep) * (now[i] as number));
      average.update();
    }
    average.useAverage();
    const got = w.values().flat();
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    average.useTrained();
    expect(w.values()).toEqual([[29, -19], [62]]);
    average.dispose();
    tf.dispose(w.variables);
  });

  it('swaps the average in and the trained weights back, leaving no tensor behind', () => {
    const w = weights([1, 2], [3]);
    const before = tf.memory().numTensors;
    const average = new WeightAverage(w.list, 0.5);
    tf.tidy(() => w.variables[0]?.assign(tf.tensor1d([5, 6])));
    average.update();
    average.useAverage();
    average.useAverage();
    expect(() => average.update()).toThrow(/cannot update while it is in use/);
    average.useTrained();
    average.useTrained();
    expect(w.values()).toEqual([[5, 6], [3]]);
    average.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => new WeightAverage(w.list, 1)).toThrow(/decay/);
    tf.dispose(w.variables);
  });

  it('is what the loop validates and checkpoints, and training goes on from the trained weights', async () => {
    const size = 16;
    const keys = Array.from({ length: 12 }, (_, n) => `isic_${n}`);
    await deleteDataset();
    await storePairs(keys.map((_, n) => squareLesion(n, size)));
    const model = buildSegNet({ inputSize: size, encoder: [[4], [4]] });
    model.compile({ optimizer: tf.train.adam(1e-2), loss: diceLoss });
    const average = new WeightAverage(model.weights, 0.5);
    const kernel = () => Array.from(model.weights[0]?.read().dataSync() ?? []);
    const seen: { validated: number[]; checkpointed: number[]; trained: number[] }[] = [];
    const tensors: number[] = [];
    let validated: number[] = [];
    let trained: number[] = [];
    const result = await trainLoop(model, {
      train: shuffledPlan(keys.slice(0, 8), 4, segmentationSource(size), 1),
      val: inOrderPlan(keys.slice(8), 4, segmentationSource(size)),
      epochs: 3,
      patience: 5,
      average: {
        update: () => {
          average.update();
          trained = kernel();
        },
        useAverage: () => average.useAverage(),
        useTrained: () => average.useTrained(),
      },
      validate: (m) => {
        validated = kernel();
        const value = tf.tidy(() => {
          const loss = m.evaluate(tf.zeros([1, size, size, 3]), tf.zeros([1, size, size, 1]));
          return (loss as tf.Scalar).dataSync()[0] as number;
        });
        return Promise.resolve({ loss: value, metrics: {} });
      },
      onEpoch: () => {
        seen.push({ validated, checkpointed: kernel(), trained });
        tensors.push(tf.memory().numTensors);
      },
      onBatch: () => undefined,
    });
    expect(result.history).toHaveLength(3);
    // The average allocates nothing from one epoch to the next.
    expect(new Set(tensors).size).toBe(1);
    for (const epoch of seen) {
      // The average, not the last step's weights, is validated and checkpointed.
      expect(epoch.checkpointed).toEqual(epoch.validated);
      expect(epoch.validated).not.toEqual(epoch.trained);
    }
    // Training went on from the trained weights, and they are the model's after the loop.
    expect(kernel()).toEqual(trained);
    expect(seen[2]?.trained).toEqual(trained);
    expect(seen[0]?.trained).not.toEqual(trained);
    average.dispose();
    model.dispose();
  });
});
