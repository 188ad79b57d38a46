import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteDataset } from '../dataset/storage.ts';
import { buildSegNet } from '../models/segnet.ts';
import {
  inOrderPlan,
  segmentationSource,
  shuffledPlan,
  type BatchPlan,
} from '../loader/batches.ts';
import { trainLoop } from './loop.ts';
import { diceCoefficient, diceLoss, jaccardIndex } from './segmentationLoss.ts';
import { squareLesion, storePairs } from '../loader/testLesions.ts';

const SIZE = 16;
const KEYS = Array.from({ length: 24 }, (_, n) => `isic_${n}`);

const plan = (keys: string[], train: boolean): BatchPlan =>
  train
    ? shuffledPlan(keys, 4, segmentationSource(SIZE), 1)
    : inOrderPlan(keys, 4, segmentationSource(SIZE));

function segnet(learningRate: number): tf.LayersModel {
  const model = buildSegNet({ inputSize: SIZE, encoder: [[4], [4]] });
  model.compile({
    optimizer: tf.train.adam(learningRate),
    loss: diceLoss,
    metrics: [diceCoefficient, jaccardIndex],
  });
  return model;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await deleteDataset();
  await storePairs(KEYS.map((_, n) => squareLesion(n, SIZE)));
});

describe('trainLoop', () => {
  it('trains epochs of stored batches, validates each, and allocates no tensor after the first', async () => {
    const model = segnet(1e-2);
    const tensorsAfter: number[] = [];
    const progress: number[] = [];
    const result = await trainLoop(model, {
      train: plan(KEYS.slice(0, 16), true),
      val: plan(KEYS.slice(16), false),
      epochs: 5,
      patience: 10,
      onBatch: (p) => progress.push(p.batch),
      onEpoch: () => {
        tensorsAfter.push(tf.memory().numTensors);
      },
    });
    expect(result.end).toBe('finished');
    expect(result.history.map((h) => h.epoch)).toEqual([0, 1, 2, 3, 4]);
    expect(progress).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    expect(Object.keys(result.history[0]?.val ?? {})).toEqual(['diceCoefficient', 'jaccardIndex']);
    // Epoch 1 creates the optimizer's slots; epochs 2 to 5 must not add a tensor.
    expect(new Set(tensorsAfter.slice(1)).size).toBe(1);
    expect(tensorsAfter[1]).toBe(tensorsAfter[0]);
    // It learns: the loss falls and the best epoch is known.
    const losses = result.history.map((h) => h.loss);
    expect(losses[4]).toBeLessThan(losses[0] as number);
    expect(result.bestEpoch).not.toBeNull();
    model.dispose();
  });

  it('stops within one batch when asked, keeping only finished epochs', async () => {
    const model = segnet(1e-2);
    let batches = 0;
    const result = await trainLoop(model, {
      train: plan(KEYS.slice(0, 16), true),
      val: plan(KEYS.slice(16), false),
      epochs: 5,
      patience: 10,
      onBatch: () => batches++,
      shouldStop: () => batches >= 6,
    });
    expect(result.end).toBe('stopped');
    expect(batches).toBe(6);
    expect(result.history).toHaveLength(1);
    model.dispose();
  });

  it('stops early when the validation loss stops falling, and resumes from an epoch', async () => {
    // A model that cannot change: one conv layer, no batch norm (whose moving statistics would
    // still move), learning rate 0. Its validation loss is the same every epoch.
    const frozen = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [SIZE, SIZE, 3],
          filters: 1,
          kernelSize: 1,
          activation: 'sigmoid',
        }),
      ],
    });
    frozen.compile({ optimizer: tf.train.sgd(0), loss: diceLoss, metrics: [diceCoefficient] });
    const early = await trainLoop(frozen, {
      train: plan(KEYS.slice(0, 16), true),
      val: plan(KEYS.slice(16), false),
      epochs: 10,
      patience: 2,
    });
    expect(early.end).toBe('early-stop');
    expect(early.history).toHaveLength(3);
    expect(early.bestEpoch).toBe(0);

    const resumed = await trainLoop(frozen, {
      train: plan(KEYS.slice(0, 16), true),
      val: plan(KEYS.slice(16), false),
      epochs: 1,
      startEpoch: 3,
      patience: 2,
      ...(early.bestValue !== undefined ? { bestValue: early.bestValue } : {}),
    });
    expect(resumed.history.map((h) => h.epoch)).toEqual([3]);
    expect(resumed.bestEpoch).toBeNull();
    frozen.dispose();
  });
});
