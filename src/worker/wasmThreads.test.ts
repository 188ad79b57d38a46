import { afterEach, describe, expect, it, vi } from 'vitest';
import { wasmThreadCount } from './wasmThreads.ts';

/** A navigator like a browser's: the core count a getter of its prototype. */
function fakeNavigator(cores: number): Navigator {
  const prototype = {};
  Object.defineProperty(prototype, 'hardwareConcurrency', { get: () => cores });
  return Object.create(prototype) as Navigator;
}

afterEach(() => vi.unstubAllGlobals());

describe('wasmThreadCount', () => {
  it('takes every logical core, up to 16, unless asked for a count', () => {
    vi.stubGlobal('navigator', fakeNavigator(2));
    expect(wasmThreadCount()).toBe(2);
    expect(wasmThreadCount(1)).toBe(1);
    vi.stubGlobal('navigator', fakeNavigator(32));
    expect(wasmThreadCount()).toBe(16);
    expect(wasmThreadCount(12)).toBe(12);
    expect(wasmThreadCount(40)).toBe(16);
    expect(wasmThreadCount(0)).toBe(16);
  });
});
