import { describe, expect, it } from 'vitest';
import type { ConvOp } from './graph.ts';
import { describeTiles, fastest, FILTER_GRADIENT_TILES, productKey } from './tileChoice.ts';

describe('tile choice', () => {
  it('keeps the fastest candidate, and the fixed plan on a tie', () => {
    expect(fastest([1.2, 0.9, 1.0, 0.95])).toBe(1);
    expect(fastest([0.5, 0.5, 0.7, 0.5])).toBe(0);
    expect(fastest([0.3])).toBe(0);
  });

  it('names a product by everything that changes its speed', () => {
    const g = {
      batch: 16,
      inH: 56,
      inW: 56,
      inC: 128,
      outH: 56,
      outW: 56,
      outC: 32,
      kh: 3,
      kw: 3,
      stride: 1,
      pad: 1,
      outStride: 256,
      outChannel: 128,
    };
    expect(productKey(g, false)).toBe('16x56x56x128 3x3/1 pad 1 → 32 (256) no bias');
    expect(productKey(g, true)).not.toBe(productKey(g, false));
    expect(productKey({ ...g, outStride: 32 }, false)).not.toBe(productKey(g, false));
  });

  it('says how many filter gradients took each candidate', () => {
    const op = (name: string) => ({ name }) as ConvOp;
    const [plan, split] = FILTER_GRADIENT_TILES;
    const tiles = new Map([
      [op('a'), plan ?? {}],
      [op('b'), split ?? {}],
      [op('c'), split ?? {}],
    ]);
    expect(describeTiles(tiles)).toBe('measured: plan 1, split 2048 2');
    expect(describeTiles(new Map())).toBe('the fixed plan (not measured)');
  });
});
