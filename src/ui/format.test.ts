import { describe, expect, it } from 'vitest';
import { describeCalibration, describeSchedule } from './format.ts';

describe('describeSchedule', () => {
  it('says nothing for a constant rate without decay', () => {
    expect(describeSchedule(undefined, undefined)).toBe('');
    expect(describeSchedule({ kind: 'constant', warmupEpochs: 0, finalFraction: 1 }, 0)).toBe('');
  });

  it('names the warm-up, the cosine floor and the weight decay', () => {
    const cosine = { kind: 'warmup-cosine', warmupEpochs: 1, finalFraction: 0.01 } as const;
    expect(describeSchedule(cosine, 0.05)).toBe(
      'warm-up 1 epoch, then cosine down to 1%, weight decay 0.05',
    );
    expect(describeSchedule({ ...cosine, warmupEpochs: 0.5, finalFraction: 0.02 }, undefined)).toBe(
      'warm-up 0.5 epochs, then cosine down to 2%',
    );
    expect(describeSchedule({ ...cosine, warmupEpochs: 0 }, undefined)).toBe('cosine down to 1%');
  });
});

describe('describeCalibration', () => {
  it('gives the temperature, and each bias against the first class where there are biases', () => {
    expect(describeCalibration({ temperature: 1.114 })).toBe('T = 1.11');
    expect(describeCalibration({ temperature: 0.9, biases: [0.5, -1.12, 0.75] })).toBe(
      'T = 0.90; biases against nevus: melanoma −1.62, seborrheic keratosis +0.25',
    );
    expect(
      describeCalibration({ temperature: 1.2, biases: [0, 0.5, 1], clinicalWeight: 0.774 }),
    ).toBe(
      'T = 1.20; biases against nevus: melanoma +0.50, seborrheic keratosis +1.00; clinical weight 0.77',
    ); // A weight that rounds to 0 reads 0.00, not −0.00; a negative one has a typographic minus.
    expect(describeCalibration({ temperature: 1, clinicalWeight: -0.001 })).toBe(
      'T = 1.00; clinical weight 0.00',
    );
    expect(describeCalibration({ temperature: 1, clinicalWeight: -0.5 })).toBe(
      'T = 1.00; clinical weight −0.50',
    );
  });
});
