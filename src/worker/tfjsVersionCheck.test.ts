import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';

// This build as if package.json pinned another tfjs than the one loaded.
vi.mock('../kernels/tfjsVersion.ts', async (original) => ({
  ...(await original<typeof import('../kernels/tfjsVersion.ts')>()),
  TFJS_VERSION: '9.9.9',
}));

const { selectBackend } = await import('./backend.ts');

describe('the worker at start', () => {
  it('refuses a tfjs other than the pinned one, naming the versions found and expected', async () => {
    const failure = selectBackend('cpu');
    await expect(failure).rejects.toThrow(new RegExp(`tfjs-core ${tf.version_core}\\b`));
    await expect(failure).rejects.toThrow(/9\.9\.9/);
    await expect(failure).rejects.toThrow(/tfjs-backend-wasm/);
    await expect(failure).rejects.toThrow(/tfjs-backend-webgpu/);
  });
});
