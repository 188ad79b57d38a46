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
const KEYS = { train: TRAIN, other: [] };
// Three images of other diagnoses, which only a run that learns the "other" class trains on.
const OTHER = ['isic_bcc1', 'isic_bcc2', 'isic_df1'];
const WITH_OTHER = { train: TRAIN, other: OTHER };
const OTHER_LABELS = new Map([...LABELS, ...OTHER.map((key): [string, number] => [key, 3])]);
const learningOther = (choices: Partial<ClassifierConfig>) =>
  config({
    ...choices,
    otherClass: true,
    model: { ...PRESET_TABLE.quick.classifier.model, classes: 4 },
  });

describe('trainingSamples', () => {
  it('oversamples every class to the largest, the same way for the same seed', () => {
    const { samples, weights } = trainingSamples(
      config({ balance: 'oversample', batchSize: 4 }),
      KEYS,
      LABELS,
      7,
    );
    expect(samples).toHaveLength(18);
    expect(weights).toBeNull();
    expect(
      trainingSamples(config({ balance: 'oversample', batchSize: 4 }), KEYS, LABELS, 7),
    ).toEqual({ samples, weights });
  });

  it('weights the loss per class instead, or leaves the split as it is', () => {
    const weighted = trainingSamples(
      config({ balance: 'class-weights', batchSize: 4 }),
      KEYS,
      LABELS,
      7,
    );
    expect(weighted.samples).toEqual(TRAIN);
    expect(weighted.weights?.map((w) => +w.toFixed(3))).toEqual([0.5, 1.5, 3]);
    expect(trainingSamples(config({ balance: 'none', batchSize: 4 }), KEYS, LABELS, 7)).toEqual({
      samples: TRAIN,
      weights: null,
    });
  });

  it('trains on the images of other diagnoses only for a run that learns the "other" class', () => {
    const plain = trainingSamples(config({ balance: 'none', batchSize: 4 }), WITH_OTHER, LABELS, 7);
    expect(plain.samples).toEqual(TRAIN);
    const other = trainingSamples(
      learningOther({ balance: 'none', batchSize: 4 }),
      WITH_OTHER,
      OTHER_LABELS,
      7,
    );
    expect(other.samples).toEqual([...TRAIN, ...OTHER]);
  });

  it('balances the "other" class as a fourth class', () => {
    const weighted = trainingSamples(
      learningOther({ balance: 'class-weights', batchSize: 4 }),
      WITH_OTHER,
      OTHER_LABELS,
      7,
    );
    // 12 images over 4 classes of 6, 2, 1 and 3: 12 / (4 × count).
    expect(weighted.weights?.map((w) => +w.toFixed(3))).toEqual([0.5, 1.5, 3, 1]);
    const oversampled = trainingSamples(
      learningOther({ balance: 'oversample', batchSize: 4 }),
      WITH_OTHER,
      OTHER_LABELS,
      7,
    );
    // Every class brought up to the nevi's 6.
    expect(oversampled.samples).toHaveLength(24);
    expect(
      oversampled.samples.filter((s) => OTHER.includes(s.split('#')[0] as string)),
    ).toHaveLength(6);
  });

  it('refuses a train split smaller than one batch', () => {
    expect(() => trainingSamples(config({ batchSize: 16 }), KEYS, LABELS, 7)).toThrow(
      'The train split has 9 labelled images, fewer than one batch of 16.',
    );
  });
});
