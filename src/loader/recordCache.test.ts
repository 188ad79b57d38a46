import { describe, expect, it } from 'vitest';
import { RecordCache } from './recordCache.ts';

const record = (bytes: number) => ({ pixels: new Uint8Array(bytes) });

function store(records: Record<string, { pixels: Uint8Array } | undefined>) {
  const reads: string[][] = [];
  const read = async (keys: string[]) => {
    reads.push(keys);
    return keys.map((key) => records[key]);
  };
  return { read, reads };
}

describe('record cache', () => {
  it('reads each record once, in order, and serves repeats from memory', async () => {
    const { read, reads } = store({ a: record(10), b: record(10), c: record(10) });
    const cache = new RecordCache(read, 100);
    const first = await cache.get(['a', 'b', 'a']);
    expect(reads).toEqual([['a', 'b']]);
    expect(first[0]).toBe(first[2]);
    const second = await cache.get(['c', 'b', 'a']);
    expect(reads).toEqual([['a', 'b'], ['c']]);
    expect(second[1]).toBe(first[1]);
    expect(cache.hits).toBe(3);
    expect(cache.misses).toBe(3);
  });

  it('keeps at most its budget, dropping the least recently used', async () => {
    const { read, reads } = store({ a: record(40), b: record(40), c: record(40) });
    const cache = new RecordCache(read, 100);
    await cache.get(['a', 'b']);
    await cache.get(['a']); // a is now more recent than b
    await cache.get(['c']); // over budget: b goes
    expect(cache.size).toBe(80);
    await cache.get(['a', 'c']);
    expect(reads.flat()).toEqual(['a', 'b', 'c']);
    await cache.get(['b']);
    expect(reads.at(-1)).toEqual(['b']);
  });

  it('does not remember a missing record', async () => {
    const { read, reads } = store({ a: undefined });
    const cache = new RecordCache(read, 100);
    expect(await cache.get(['a'])).toEqual([undefined]);
    await cache.get(['a']);
    expect(reads).toEqual([['a'], ['a']]);
  });

  it('never loses a record its own batch needs, whatever the budget and order', async () => {
    // Budget for two records: C's arrival evicts A, which this same call counted as cached.
    const { read } = store({ a: record(40), b: record(40), c: record(40) });
    const cache = new RecordCache(read, 80);
    await cache.get(['a', 'b']);
    const batch = await cache.get(['c', 'a']);
    expect(batch.map((r) => r?.pixels.byteLength)).toEqual([40, 40]);
    expect(cache.size).toBeLessThanOrEqual(80);
  });

  it('streams every record of every batch with a budget far below the data', async () => {
    const records = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`k${i}`, record(10 + (i % 7))]),
    );
    const { read } = store(records);
    const cache = new RecordCache(read, 45);
    let seed = 7;
    const pick = () => `k${(seed = (seed * 48271) % 2147483647) % 50}`;
    for (let batch = 0; batch < 200; batch++) {
      const keys = Array.from({ length: 1 + (batch % 9) }, pick);
      const got = await cache.get(keys);
      got.forEach((r, i) => expect(r).toBe(records[keys[i] as string]));
      expect(cache.size).toBeLessThanOrEqual(45);
    }
    expect(cache.hits).toBeGreaterThan(0);
  });
});
