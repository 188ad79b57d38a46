import { describe, expect, it } from 'vitest';
import { halvesToFloats } from './float16.ts';

describe('halvesToFloats', () => {
  it('widens float16 bit patterns', () => {
    const halves = new Uint16Array([
      0x3c00, 0xc000, 0x3555, 0x0001, 0x7bff, 0x7c00, 0x0000, 0x8000,
    ]);
    const floats = halvesToFloats(halves);
    expect([...floats.slice(0, 6)]).toEqual([1, -2, 0.333251953125, 2 ** -24, 65504, Infinity]);
    expect(Object.is(floats[7], -0)).toBe(true);
    expect(Number.isNaN(halvesToFloats(new Uint16Array([0x7e00]))[0])).toBe(true);
  });
});
