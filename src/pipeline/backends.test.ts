import { describe, expect, it } from 'vitest';
import { backendChoiceFromSearch } from './backends.ts';

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
