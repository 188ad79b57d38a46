import { describe, expect, it } from 'vitest';
import { DEPTH, gemmPlan, isSoftwareAdapter } from './gemmPlan.ts';

describe('gemmPlan', () => {
  it('splits a long K over slices of whole depths, covering it once', () => {
    // The seed SegNet's first layer at batch 16: 27 x 16 weights, 640,000 positions.
    const first = gemmPlan(27, 16, 640_000);
    expect(first.slices).toBeGreaterThan(100);
    expect(first.slice % DEPTH).toBe(0);
    expect(first.slices * first.slice).toBeGreaterThanOrEqual(640_000);
    expect((first.slices - 1) * first.slice).toBeLessThan(640_000);
  });

  it('sizes each thread’s block to dW, so a narrow dW wastes no threads', () => {
    // 27 rows: 2 per thread (32); 16 columns: 1 per thread.
    expect(gemmPlan(27, 16, 640_000)).toMatchObject({ rows: 2, cols: 1 });
    expect(gemmPlan(1152, 32, 1000)).toMatchObject({ rows: 4, cols: 2 });
    expect(gemmPlan(8, 70, 1000)).toMatchObject({ rows: 1, cols: 4 });
  });

  it('keeps one slice for a short K or when the tiles alone fill the GPU', () => {
    expect(gemmPlan(27, 16, 300)).toMatchObject({ slices: 1, slice: 304 });
    // 1152 x 1024 weights are 18 x 16 = 288 tiles of 64 x 64: two slices at most.
    expect(gemmPlan(1152, 1024, 100_000).slices).toBeLessThanOrEqual(2);
  });

  it('gives a narrow C eight threads across and 32 down, and leaves K whole unless asked', () => {
    // The engine's forward product of an 8-channel layer: 9,216 positions x 8 over 27 taps.
    expect(gemmPlan(9216, 8, 27, { threadsN: 8, split: false })).toEqual({
      threadsM: 32,
      threadsN: 8,
      rows: 4,
      cols: 1,
      slices: 1,
      slice: 32,
    });
  });

  it('never makes a slice shorter than 256 positions', () => {
    expect(gemmPlan(9, 8, 4096)).toMatchObject({ slices: 16, slice: 256 });
  });

  it('tells a software adapter by its architecture', () => {
    expect(isSoftwareAdapter({ adapterInfo: { architecture: 'swiftshader' } })).toBe(true);
    expect(isSoftwareAdapter({ adapterInfo: { architecture: 'hopper' } })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });
});
