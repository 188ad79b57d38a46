import { describe, expect, it } from 'vitest';
import type { MaskingSummary } from '../masking/summary.ts';
import { learnedFromCrops, maskingMismatch, newConfig } from './classifierConfig.ts';

const masking = (crop: boolean | undefined) =>
  ({
    source: { kind: 'truth' },
    epoch: null,
    ...(crop === undefined ? {} : { crop }),
  }) as MaskingSummary;

describe('a classifier run and the masked images it reads', () => {
  it('records whether the masks it trains on were cut to the lesion', () => {
    expect(newConfig({ preset: 'quick' }, masking(true)).lesionCrop).toBe(true);
    expect(newConfig({ preset: 'quick' }, masking(false)).lesionCrop).toBe(false);
    // Masking summaries from before the crop hold whole frames.
    expect(newConfig({ preset: 'quick' }, masking(undefined)).lesionCrop).toBe(false);
    expect(learnedFromCrops({})).toBe(false);
  });

  it('names the mismatch between a run and the current masked images, either way round', () => {
    expect(maskingMismatch({ lesionCrop: true }, masking(true))).toBeNull();
    expect(maskingMismatch({ lesionCrop: false }, masking(false))).toBeNull();
    expect(maskingMismatch({}, masking(undefined))).toBeNull();
    expect(maskingMismatch({ lesionCrop: true }, masking(false))).toMatch(
      /learned from images centred and zoomed on the lesion.*whole frames.*ticked/,
    );
    expect(maskingMismatch({}, masking(true))).toMatch(
      /learned from whole masked frames.*unticked/,
    );
  });
});

describe('the "other" class of a new run', () => {
  it('is learned, with a fourth output, only when asked and the dataset kept such images', () => {
    const asked = { preset: 'quick' as const, choices: { otherClass: true } };
    expect(newConfig(asked, masking(true), 12)).toMatchObject({
      otherClass: true,
      model: { classes: 4 },
    });
    // None stored: a three-class run, whatever was asked.
    expect(newConfig(asked, masking(true), 0)).toMatchObject({
      otherClass: false,
      model: { classes: 3 },
    });
    expect(
      newConfig({ preset: 'quick', choices: { otherClass: false } }, masking(true), 12),
    ).toMatchObject({ otherClass: false, model: { classes: 3 } });
  });
});
