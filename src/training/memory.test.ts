import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNet } from '../models/densenet.ts';
import { DENSENET_QUICK } from '../models/densenetConfig.ts';
import { checkBatchFits, largestActivationBytes } from './memory.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkBatchFits', () => {
  it("finds the largest activation and suggests the batch that fits the device's buffer limit", () => {
    const model = buildDenseNet(DENSENET_QUICK);
    const { bytes } = largestActivationBytes(model);
    // 32 px input: the stem's 16 x 16 x 16 output padded to 18 x 18 before 'pool1', float32.
    expect(bytes).toBe(18 * 18 * 16 * 4);
    expect(() => checkBatchFits(model, 8, bytes * 8)).not.toThrow();
    expect(() => checkBatchFits(model, 9, bytes * 8)).toThrow(/use a batch of 8 or less/);
    expect(() => checkBatchFits(model, 1000, undefined)).not.toThrow();
    model.dispose();
  });
});
