import { describe, expect, it } from 'vitest';
import { backendChoiceFromSearch, threadsFromSearch } from './backends.ts';

describe('backendChoiceFromSearch', () => {
  it('reads ?backend= and defaults to automatic choice', () => {
    expect(backendChoiceFromSearch('')).toBe('auto');
    expect(backendChoiceFromSearch('?backend=auto')).toBe('auto');
    expect(backendChoiceFromSearch('?preset=quick&backend=webgl')).toBe('webgl');
    expect(backendChoiceFromSearch('?backend=cpu')).toBe('cpu');
  });

  it('refuses an unknown backend with a message that names it', () => {
    expect(() => backendChoiceFromSearch('?backend=cuda')).toThrow(/Unknown backend "cuda"/);
  });
});

describe('threadsFromSearch', () => {
  it('reads a thread count of 1 to 16, and nothing when absent', () => {
    expect(threadsFromSearch('?threads=2')).toBe(2);
    expect(threadsFromSearch('?backend=wasm&threads=16')).toBe(16);
    expect(threadsFromSearch('')).toBeUndefined();
    expect(threadsFromSearch('?threads=')).toBeUndefined();
  });

  it.each(['0', '17', '1.5', 'all'])('refuses ?threads=%s, naming it', (value) => {
    expect(() => threadsFromSearch(`?threads=${value}`)).toThrow(
      `Unknown thread count "${value}" in the address (?threads=). Use 1 to 16.`,
    );
  });
});
