import { describe, expect, it } from 'vitest';
import { PRESET_TABLE } from '../pipeline/presets.ts';
import type { ClassifierConfig } from './classifierConfig.ts';
import { trainingSamples } from './classifierData.ts';

const config = (choices: Partial<ClassifierConfig>): ClassifierConfig => ({
  ...PRESET_TABLE.quick.classifier,
  pretrained: null,
  masks: 'ground-truth masks',
  ...choices,
});
// 6 nevi, 2 melanomas, 1 keratosis.
const TRAIN = Array.from({ length: 9 }, (_, n) => `isic_${n}`);
const LABELS = new Map(TRAIN.map((key, n) => [key, n < 6 ? 0 : n < 8 ? 1 : 2]));

describe('trainingSamples', () => {
  it('oversamples every class to the largest, the same way for the same seed', () => {
    const { samples, weights } = trainingSamples(
      config({ balance: 'oversample', batchSize: 4 }),
      TRAIN,
      LABELS,
      7,
    );
    expect(samples).toHaveLength(18);
    expect(weights).toBeNull();
    expect(
      trainingSamples(config({ balance: 'oversample', batchSize: 4 }), TRAIN, LABELS, 7),
    ).toEqual({ samples, weights });
  });

  it('weights the loss per class instead, or leaves the split as it is', () => {
    const weighted = trainingSamples(
      config({ balance: 'class-weights', batchSize: 4 }),
      TRAIN,
      LABELS,
      7,
    );
    expect(weighted.samples).toEqual(TRAIN);
    expect(weighted.weights?.map((w) => +w.toFixed(3))).toEqual([0.5, 1.5, 3]);
    expect(trainingSamples(config({ balance: 'none', batchSize: 4 }), TRAIN, LABELS, 7)).toEqual({
      samples: TRAIN,
      weights: null,
    });
  });

  it('refuses a train split smaller than one batch', () => {
    expect(() => trainingSamples(config({ batchSize: 16 }), TRAIN, LABELS, 7)).toThrow(
      'The train split has 9 labelled images, fewer than one batch of 16.',
    );
  });
});
