import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { TFJS_VERSION, tfjsVersionMismatch } from '../kernels/tfjsVersion.ts';
import { BackendUnavailableError, loadedTfjsVersions, selectBackend } from './backend.ts';
import { checkBackend } from './checkBackend.ts';

// Node has neither WebGPU nor WebGL: automatic choice must fall through to WebAssembly and say why.
describe('selectBackend', () => {
  it('falls back to WebAssembly and reports each rejected backend with its reason', async () => {
    const info = await selectBackend('auto');
    expect(info.backend).toBe('wasm');
    expect(info.forced).toBe(false);
    expect(info.adapter).toMatch(
      /^XNNPACK \(SIMD, 1 thread\) \+ own kernels \(relaxed SIMD, 1 thread\) \(the page is not cross-origin isolated\)$/,
    );
    expect(info.attempts.map((a) => [a.backend, a.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['wasm', true],
    ]);
    for (const failed of info.attempts.filter((a) => !a.ok)) expect(failed.reason).toBeTruthy();
    expect(tf.getBackend()).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('starts on the pinned tfjs: every package loaded reports that version', () => {
    const found = loadedTfjsVersions();
    expect(Object.keys(found)).toEqual(
      expect.arrayContaining(['tfjs-core', 'tfjs-backend-wasm', 'tfjs-backend-webgpu']),
    );
    expect(found['tfjs-core']).toBe(TFJS_VERSION);
    expect(tfjsVersionMismatch(found)).toBeNull();
  });

  it('uses the CPU when it is forced', async () => {
    const info = await selectBackend('cpu');
    expect(info).toMatchObject({ backend: 'cpu', forced: true });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('throws when a forced backend is unavailable, naming it', async () => {
    const failure = selectBackend('webgl');
    await expect(failure).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(failure).rejects.toThrow(/^WebGL: /);
  });
});

describe('checkBackend', () => {
  it('computes the product on the active backend within float32 error and leaks no tensor', async () => {
    await selectBackend('cpu');
    const before = tf.memory().numTensors;
    const check = await checkBackend(16);
    expect(check).toMatchObject({ backend: 'cpu', op: 'matMul 16x16' });
    expect(check.maxAbsError).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a size outside 1..1024', async () => {
    await expect(checkBackend(0)).rejects.toThrow(RangeError);
  });
});
