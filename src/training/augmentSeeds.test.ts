import { describe, expect, it } from 'vitest';
import { firstStep, stepSeed } from './augmentSeeds.ts';

describe('augmentation seeds', () => {
  // 10 samples in batches of 4: two full batches an epoch.
  const seedsOfSession = (runSeed: number, epochsDone: number, epochs: number) =>
    Array.from({ length: epochs * 2 }, (_, step) =>
      stepSeed(runSeed, firstStep(epochsDone, 10, 4), step),
    );

  it('differs at every step of every epoch, and is the same for the same run', () => {
    const seeds = seedsOfSession(42, 0, 3);
    expect(new Set(seeds).size).toBe(6);
    expect(seedsOfSession(42, 0, 3)).toEqual(seeds);
    expect(seedsOfSession(43, 0, 3).filter((s) => seeds.includes(s))).toEqual([]);
  });

  it('gives a session resumed after an epoch the seeds the uninterrupted run drew', () => {
    expect(firstStep(1, 10, 4)).toBe(2);
    expect(seedsOfSession(42, 1, 2)).toEqual(seedsOfSession(42, 0, 3).slice(2));
  });
});
