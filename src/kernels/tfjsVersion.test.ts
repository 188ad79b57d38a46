import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TFJS_PACKAGES, TFJS_VERSION, tfjsVersionMismatch } from './tfjsVersion.ts';

const root = resolve(import.meta.dirname, '../..');
const json = (path: string) => JSON.parse(readFileSync(resolve(root, path), 'utf8'));

describe('the tfjs version the kernels patch', () => {
  it('is the exact version package.json and package-lock.json pin, and the one installed', () => {
    const pkg = json('package.json') as { dependencies: Record<string, string> };
    const lock = json('package-lock.json') as {
      packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
    };
    for (const name of TFJS_PACKAGES) {
      expect(pkg.dependencies[name], name).toBe(TFJS_VERSION);
      expect(lock.packages['']?.dependencies?.[name], name).toBe(TFJS_VERSION);
      expect(lock.packages[`node_modules/${name}`]?.version, name).toBe(TFJS_VERSION);
      expect(json(`node_modules/${name}/package.json`).version, name).toBe(TFJS_VERSION);
    }
  });

  it('finds nothing wrong when every package is that version', () => {
    expect(
      tfjsVersionMismatch({ 'tfjs-core': TFJS_VERSION, 'tfjs-backend-wasm': TFJS_VERSION }),
    ).toBeNull();
  });

  it('names each package found at another version, and the version expected', () => {
    const message = tfjsVersionMismatch(
      { 'tfjs-core': '4.23.0', 'tfjs-backend-wasm': TFJS_VERSION, 'tfjs-backend-webgpu': '5.0.0' },
      '4.22.0',
    );
    expect(message).toMatch(/tfjs-core 4\.23\.0/);
    expect(message).toMatch(/tfjs-backend-webgpu 5\.0\.0/);
    expect(message).not.toMatch(/tfjs-backend-wasm/);
    expect(message).toMatch(/4\.22\.0/);
  });

  it('counts a package that reports no version as a mismatch', () => {
    expect(tfjsVersionMismatch({ 'tfjs-core': undefined }, '4.22.0')).toMatch(/tfjs-core/);
  });
});
