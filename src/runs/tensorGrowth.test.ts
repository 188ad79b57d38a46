import { describe, expect, it } from 'vitest';
import { tensorGrowth } from './tensorGrowth.ts';

const epochs = (...tensors: (number | undefined)[]) =>
  tensors.map((t, epoch) => ({ epoch, ...(t === undefined ? {} : { tensors: t }) }));

describe('tensor growth', () => {
  it('reports two rises in a row over the last three epochs', () => {
    expect(tensorGrowth(epochs(200, 200, 210, 220))).toEqual({
      fromEpoch: 2,
      toEpoch: 4,
      from: 200,
      to: 220,
    });
  });

  it('stays quiet for a steady count, a single rise, or too few epochs', () => {
    expect(tensorGrowth(epochs(200, 200, 200))).toBeNull();
    expect(tensorGrowth(epochs(150, 200, 200, 200))).toBeNull();
    expect(tensorGrowth(epochs(200, 210, 210))).toBeNull();
    expect(tensorGrowth(epochs(200, 210))).toBeNull();
  });

  it('ignores epochs of runs stored before the count existed', () => {
    expect(tensorGrowth(epochs(undefined, undefined, 200, 210))).toBeNull();
    expect(tensorGrowth(epochs(undefined, 200, 210, 220))).not.toBeNull();
  });
});
