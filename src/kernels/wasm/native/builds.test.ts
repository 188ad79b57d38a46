/**
 * Every WebAssembly kernel module is built from its C source as it is now, and its relaxed-SIMD
 * builds run here as they do in Chromium (vite.config.ts flags relaxed SIMD on for Node 20).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedName, sourceHash } from '../../../../scripts/build-wasm-kernels.ts';
import { relaxedSimdRuns } from './testHarness.ts';

const sources = readdirSync(import.meta.dirname).filter((f) => f.endsWith('.c'));

describe('WebAssembly kernel builds', () => {
  it('finds the kernels', () => {
    expect(sources).toEqual([
      'adam.c',
      'channels.c',
      'conv2d.c',
      'filter_gradient.c',
      'pool_gradients.c',
      'winograd.c',
    ]);
  });

  it.each(sources)(
    '%s: built as it is now (run `npm run build:kernels` after changing it), relaxed SIMD runs',
    async (source) => {
      const builds = (await import(`./${generatedName(source)}`)) as Parameters<
        typeof relaxedSimdRuns
      >[0] & { sourceSha256: string };
      const text = readFileSync(join(import.meta.dirname, source), 'utf8');
      expect(sourceHash(text)).toBe(builds.sourceSha256);
      expect(relaxedSimdRuns(builds)).toBe(true);
    },
  );
});
