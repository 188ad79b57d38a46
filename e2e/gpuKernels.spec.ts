import type { ViteDevServer } from 'vite';
import type { ConvCase } from '../src/kernels/convReference.ts';
import type { KernelCheck } from '../bench/kernels/protocol.ts';
import { expect, test } from './fixtures.ts';
import { startDevServer } from '../scripts/devServer.ts';

const PAGE = 'bench/kernels/index.html';
const PORT = 4178;
// The page comes from a dev server of its own: that is the origin the guards hold it to.
test.use({ baseURL: `http://localhost:${PORT}` });

/**
 * The app's convolution shapes at small sizes (SegNet 3x3 same; DenseNet's 7x7 stride-2 stem,
 * 1x1 bottlenecks and 3x3 growth layers, the transition's 1x1), and awkward ones: batch 1,
 * channels and sizes that are not multiples of the 64-wide tile or of 4, stride 2 with valid
 * padding, the 2x2 pooling-sized filter, and a K long enough to be split in slices (WebGPU) and
 * output rows in groups (WebGL).
 */
const CASES: ConvCase[] = [
  { xShape: [2, 24, 24, 3], filterShape: [3, 3, 3, 8], stride: 1, pad: 'same' },
  { xShape: [2, 12, 12, 16], filterShape: [3, 3, 16, 16], stride: 1, pad: 'same' },
  { xShape: [2, 32, 32, 3], filterShape: [7, 7, 3, 64], stride: 2, pad: 'same' },
  { xShape: [2, 8, 8, 96], filterShape: [1, 1, 96, 128], stride: 1, pad: 'same' },
  { xShape: [2, 8, 8, 128], filterShape: [3, 3, 128, 32], stride: 1, pad: 'same' },
  { xShape: [1, 13, 13, 5], filterShape: [3, 3, 5, 70], stride: 2, pad: 'valid' },
  { xShape: [1, 9, 11, 7], filterShape: [2, 2, 7, 3], stride: 2, pad: 'valid' },
  { xShape: [3, 10, 10, 1], filterShape: [5, 5, 1, 1], stride: 1, pad: 'same' },
  { xShape: [4, 40, 40, 3], filterShape: [3, 3, 3, 8], stride: 1, pad: 'same' },
];

let dev: ViteDevServer | undefined;

test.beforeAll(async () => {
  dev = await startDevServer({
    port: PORT,
    pages: [PAGE],
    cacheDir: 'node_modules/.vite-e2e',
  });
});

test.afterAll(async () => {
  await dev?.close();
});

/** The ops each backend has its own kernels for; the input gradient runs at stride 1 only. */
const OPS = {
  webgpu: ['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'],
  webgl: ['conv2dBackpropFilter'],
} as const;

// WebGPU's products as the adapter has them (direct on SwiftShader), as a GPU has them (tiled),
// and tiled as a tile candidate of the kernel benchmark (bench/kernels.ts) cuts them: 8 rows by 4
// columns a thread, a workgroup of 128 threads (not the plan's 256), K split for 2,048 workgroups.
const RUNS = [
  { backend: 'webgpu', options: {}, title: '' },
  { backend: 'webgpu', options: { style: 'tiled' }, title: " (a GPU's tiled products)" },
  {
    backend: 'webgpu',
    options: {
      style: 'tiled',
      tile: { threadsM: 16, threadsN: 8, rows: 8, cols: 4, workgroups: 2048 },
    },
    title: ' (tiled, 8 x 4 a thread, 128 threads, split for 2,048 workgroups)',
  },
  { backend: 'webgl', options: {}, title: '' },
] as const;

for (const { backend, options, title } of RUNS) {
  test(`the own ${backend} convolution kernels${title} equal the float64 reference on every shape, and free what they made`, async ({
    page,
  }) => {
    test.setTimeout(240_000);
    await page.goto(`/${PAGE}`);
    const checks = (await page.evaluate(
      `window.checkKernels(${JSON.stringify(CASES)}, '${backend}', ${JSON.stringify(options)})`,
    )) as KernelCheck[];
    let expectedChecks = 0;
    for (const op of OPS[backend]) {
      const ofOp = checks.filter((c) => c.op === op);
      const expected = CASES.filter((c) => op !== 'conv2dBackpropInput' || c.stride === 1);
      expect(ofOp.map((c) => c.case)).toEqual(expected);
      expectedChecks += expected.length;
      const worst = Math.max(...ofOp.map((c) => c.error));
      console.log(`own ${backend}${title} ${op}: largest relative error ${worst.toExponential(2)}`);
    }
    expect(checks).toHaveLength(expectedChecks);
    for (const check of checks) {
      const name = `${check.op} ${JSON.stringify(check.case)}: own ${check.error}, tfjs ${check.tfjsError}`;
      expect(check.error, name).toBeLessThanOrEqual(1e-4);
      expect(check.left, name).toBe(0);
    }
  });
}
