import { describe, expect, it } from 'vitest';
import { bnSlices, channelGroups } from './batchNorm.ts';

describe('bnSlices', () => {
  it('cuts a layer of few channels and many positions into enough slices to fill a GPU', () => {
    // The seed SegNet's first batch norm at 200 px and batch 16: 2 channel groups.
    const { slices, slice } = bnSlices(16 * 200 * 200, 16);
    expect(slices * channelGroups(16)[0]).toBeGreaterThanOrEqual(1024);
    expect(slices * slice).toBeGreaterThanOrEqual(640_000);
    expect((slices - 1) * slice).toBeLessThan(640_000);
  });

  it('covers every position once, the last slice shorter where they do not divide', () => {
    for (const positions of [1, 1023, 1024, 2048, 3328, 5000, 640_000]) {
      const { slices, slice } = bnSlices(positions, 8);
      expect(slices * slice).toBeGreaterThanOrEqual(positions);
      expect((slices - 1) * slice).toBeLessThan(positions);
    }
    expect(bnSlices(13 * 16 * 16, 8)).toEqual({ slices: 3, slice: 1110 });
  });

  it('keeps one slice where the positions are few or the channel groups fill the GPU', () => {
    expect(bnSlices(784, 1024)).toEqual({ slices: 1, slice: 784 });
    expect(bnSlices(1500, 8).slices).toBe(1);
    // 1,024 channels are 128 groups: a 16 x 14 x 14 map gets 8 slices at most (wanted 8).
    expect(bnSlices(16 * 14 * 14, 1024).slices).toBeLessThanOrEqual(8);
  });

  it('gives a channel group and slice per workgroup', () => {
    expect(channelGroups(20, 3)).toEqual([3, 3, 1]);
    expect(channelGroups(20)).toEqual([3, 1, 1]);
  });
});
