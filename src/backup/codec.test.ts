import { describe, expect, it } from 'vitest';
import { ChunkEncoder, ChunkFormatError, decodeChunk, type StoredRecord } from './codec.ts';

async function roundTrip(records: StoredRecord[]): Promise<StoredRecord[]> {
  const encoder = new ChunkEncoder();
  for (const { key, value } of records) encoder.add(key, value);
  const blob = encoder.finish();
  expect(blob.size).toBe(encoder.byteLength);
  return decodeChunk(new Uint8Array(await blob.arrayBuffer()));
}

async function blobBytes(blob: Blob): Promise<number[]> {
  return [...new Uint8Array(await blob.arrayBuffer())];
}

describe('record chunks', () => {
  it('round-trip every value type a record holds, types included', async () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9]);
    const thumb = new Blob([new Uint8Array([0xff, 0xd8, 0xff, 0xd9])], { type: 'image/jpeg' });
    const file = new File([new Uint8Array([1, 2])], 'model.json', {
      type: 'application/json',
      lastModified: 1234,
    });
    const value = {
      text: 'naïve ✓ lesion',
      number: 0.1 + 0.2,
      big: 2n ** 70n,
      special: [NaN, Infinity, -Infinity, -0, 0],
      flags: [true, false, null, undefined],
      date: new Date('2026-11-27T10:00:00.123Z'),
      badDate: new Date(NaN),
      pixels: new Uint8Array([0, 127, 255]),
      clamped: new Uint8ClampedArray([1, 2]),
      floats: new Float32Array([1.5, -0, NaN, 3.4e38]),
      doubles: new Float64Array([Math.PI]),
      ints: new Int32Array([-1, 2 ** 31 - 1]),
      int16: new Int16Array([-2]),
      uint16: new Uint16Array([65535]),
      uint32: new Uint32Array([2 ** 32 - 1]),
      int8: new Int8Array([-128]),
      bigInts: new BigInt64Array([-5n]),
      bigUints: new BigUint64Array([5n]),
      // A view into part of a larger buffer: only its own bytes are stored.
      view: new Uint8Array(backing.buffer, 2, 8),
      dataView: new DataView(new Uint8Array([4, 5, 6]).buffer),
      buffer: new Uint8Array([7, 8]).buffer,
      empty: new Float32Array(0),
      thumb,
      file,
      map: new Map<unknown, unknown>([
        ['a', 1],
        [2, new Uint8Array([3])],
      ]),
      set: new Set(['x', 1]),
      nested: { deeper: [{ weights: new Float32Array([0.25]) }] },
      dollar: { $: 'not a tag', other: 1 },
      '': 'empty key',
    };
    const [back] = await roundTrip([{ key: 'k/1', value }]);
    expect(back?.key).toBe('k/1');
    const v = back?.value as typeof value;

    expect(v.text).toBe(value.text);
    expect(v.number).toBe(value.number);
    expect(v.big).toBe(value.big);
    expect(v.special[0]).toBeNaN();
    expect(v.special.slice(1)).toEqual([Infinity, -Infinity, -0, 0]);
    expect(Object.is(v.special[3], -0)).toBe(true);
    expect(Object.is(v.special[4], 0)).toBe(true);
    expect(v.flags).toEqual([true, false, null, undefined]);
    expect(v.flags).toHaveLength(4);
    expect(v.date).toBeInstanceOf(Date);
    expect(v.date.getTime()).toBe(value.date.getTime());
    expect(v.badDate.getTime()).toBeNaN();
    for (const name of [
      'pixels',
      'clamped',
      'floats',
      'doubles',
      'ints',
      'int16',
      'uint16',
      'uint32',
      'int8',
      'bigInts',
      'bigUints',
      'view',
      'empty',
    ] as const) {
      expect(v[name].constructor, name).toBe(value[name].constructor);
      expect([...new Uint8Array(v[name].buffer)], name).toEqual([
        ...new Uint8Array(value[name].buffer, value[name].byteOffset, value[name].byteLength),
      ]);
      // Each value owns exactly its bytes, as structured clone would give it.
      expect(v[name].byteOffset).toBe(0);
      expect(v[name].buffer.byteLength).toBe(value[name].byteLength);
    }
    expect(Object.is(v.floats[1], -0)).toBe(true);
    expect(v.floats[2]).toBeNaN();
    expect(v.dataView).toBeInstanceOf(DataView);
    expect([...new Uint8Array(v.dataView.buffer)]).toEqual([4, 5, 6]);
    expect(v.buffer).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(v.buffer)]).toEqual([7, 8]);
    expect(v.thumb).toBeInstanceOf(Blob);
    expect(v.thumb).not.toBeInstanceOf(File);
    expect(v.thumb.type).toBe('image/jpeg');
    expect(await blobBytes(v.thumb)).toEqual([0xff, 0xd8, 0xff, 0xd9]);
    expect(v.file).toBeInstanceOf(File);
    expect(v.file.name).toBe('model.json');
    expect(v.file.lastModified).toBe(1234);
    expect(v.file.type).toBe('application/json');
    expect(await blobBytes(v.file)).toEqual([1, 2]);
    expect(v.map).toBeInstanceOf(Map);
    expect(v.map.get('a')).toBe(1);
    expect(v.map.get(2)).toEqual(new Uint8Array([3]));
    expect(v.set).toEqual(new Set(['x', 1]));
    expect(v.nested.deeper[0]?.weights).toEqual(new Float32Array([0.25]));
    expect(v.dollar).toEqual({ $: 'not a tag', other: 1 });
    expect(v['']).toBe('empty key');
  });

  it('round-trip keys of every kind, many records, and an empty chunk', async () => {
    const records: StoredRecord[] = [
      { key: 'current', value: { images: {} } },
      { key: 42, value: 'number key' },
      { key: new Date(5), value: null },
      { key: ['a', 1], value: [] },
      { key: new Uint8Array([1, 2]).buffer, value: 0 },
    ];
    for (let i = 0; i < 50; i++) {
      records.push({ key: `img-${i}`, value: { pixels: new Uint8Array(100).fill(i) } });
    }
    const back = await roundTrip(records);
    expect(back).toHaveLength(records.length);
    expect(back[0]).toEqual(records[0]);
    expect(back[1]?.key).toBe(42);
    expect(back[2]?.key).toEqual(new Date(5));
    expect(back[3]?.key).toEqual(['a', 1]);
    expect([...new Uint8Array(back[4]?.key as ArrayBuffer)]).toEqual([1, 2]);
    expect((back[54]?.value as { pixels: Uint8Array }).pixels).toEqual(
      new Uint8Array(100).fill(49),
    );
    expect(await roundTrip([])).toEqual([]);
  });

  it('refuses values it cannot keep, naming where they are, and keeps the chunk clean', async () => {
    const encoder = new ChunkEncoder();
    encoder.add('ok', { a: new Uint8Array([1]) });
    const size = encoder.byteLength;
    expect(() => encoder.add('f', { inner: { fn: () => 1 } })).toThrow(
      /value\.inner\.fn: a function/,
    );
    expect(() =>
      encoder.add('c', {
        when: new (class Custom {
          readonly n = 1;
        })(),
      }),
    ).toThrow(/a Custom cannot/);
    const cyclic: Record<string, unknown> = { pixels: new Uint8Array([2]) };
    cyclic.self = cyclic;
    expect(() => encoder.add('cycle', cyclic)).toThrow(/refers to itself/);
    expect(encoder.count).toBe(1);
    expect(encoder.byteLength).toBe(size);
    const back = decodeChunk(new Uint8Array(await encoder.finish().arrayBuffer()));
    expect(back).toEqual([{ key: 'ok', value: { a: new Uint8Array([1]) } }]);
  });

  it('keeps an object that appears twice (not a cycle) as two copies', async () => {
    const shared = { n: 1 };
    const [back] = await roundTrip([{ key: 'k', value: [shared, shared] }]);
    expect(back?.value).toEqual([{ n: 1 }, { n: 1 }]);
  });

  it('refuses a damaged chunk with the reason', async () => {
    const encoder = new ChunkEncoder();
    encoder.add('a', { pixels: new Uint8Array([1, 2, 3, 4]) });
    const bytes = new Uint8Array(await encoder.finish().arrayBuffer());

    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0x58;
    expect(() => decodeChunk(wrongMagic)).toThrow(/no LLRC mark/);
    expect(() => decodeChunk(bytes.subarray(0, 8))).toThrow(/shorter than its header/);
    expect(() => decodeChunk(bytes.subarray(0, bytes.length - 1))).toThrow(
      /runs past the end of the chunk/,
    );
    const extra = new Uint8Array(bytes.length + 1);
    extra.set(bytes);
    expect(() => decodeChunk(extra)).toThrow(/binary section holds 5 bytes; the records name 4/);
    const brokenJson = bytes.slice();
    brokenJson[12] = 0x7b; // `{` instead of `[`
    expect(() => decodeChunk(brokenJson)).toThrow(ChunkFormatError);
    const tooLong = bytes.slice();
    new DataView(tooLong.buffer).setUint32(8, 1e6, true);
    expect(() => decodeChunk(tooLong)).toThrow(/runs past its end/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(4, 2, true);
    expect(() => decodeChunk(newer)).toThrow(/chunk encoding 2/);
  });

  it('refuses unknown tags and constructors instead of guessing', () => {
    const chunk = (json: string, binary: number[] = []) => {
      const text = new TextEncoder().encode(json);
      const out = new Uint8Array(12 + text.length + binary.length);
      out.set(new TextEncoder().encode('LLRC'));
      new DataView(out.buffer).setUint32(4, 1, true);
      new DataView(out.buffer).setUint32(8, text.length, true);
      out.set(text, 12);
      out.set(binary, 12 + text.length);
      return out;
    };
    expect(() => decodeChunk(chunk('[["k",{"$":"wat"}]]'))).toThrow(/unknown value tag/);
    expect(() => decodeChunk(chunk('[["k",{"$":"bin","t":"Function","n":1}]]', [1]))).toThrow(
      /unknown binary type/,
    );
    expect(() =>
      decodeChunk(chunk('[["k",{"$":"bin","t":"Float32Array","n":3}]]', [1, 2, 3])),
    ).toThrow(/a Float32Array of 3 bytes/);
    expect(() => decodeChunk(chunk('[[{"a":1},1]]'))).toThrow(/no valid key/);
    expect(() => decodeChunk(chunk('[["k"]]'))).toThrow(/not a \[key, value\] pair/);
  });
});
