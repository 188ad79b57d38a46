/**
 * The native pooling and resize gradients on a memory of its own, in all four builds, against
 * their definitions as plain loops (the first maximum of each window; each window's share of its
 * gradient; the given source rows and columns), with nothing written outside the gradient. Through tfjs, against the cpu backend:
 * ../poolGradients.test.ts and ../../resizeNearestNeighborGrad.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as builds from './poolGradients.wasm.ts';
import { randomValues, relativeError } from '../../testValues.ts';
import { eachBuild, runNative } from './testHarness.ts';

interface Pool {
  shape: [number, number, number, number];
  size: number;
  stride: number;
  pad: number;
}

const pooled = (n: number, p: Pool) => Math.floor((n + 2 * p.pad - p.size) / p.stride) + 1;

function maxPoolReference(p: Pool, x: Float32Array, dy: Float32Array): Float64Array {
  const [batch, h, w, depth] = p.shape;
  const [oh, ow] = [pooled(h, p), pooled(w, p)];
  const dx = new Float64Array(x.length);
  for (let b = 0; b < batch; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let c = 0; c < depth; c++) {
          let [best, at] = [-Infinity, -1];
          for (let y = oy * p.stride - p.pad; y < oy * p.stride - p.pad + p.size; y++)
            for (let xx = ox * p.stride - p.pad; xx < ox * p.stride - p.pad + p.size; xx++) {
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const i = ((b * h + y) * w + xx) * depth + c;
              if ((x[i] as number) > best) [best, at] = [x[i] as number, i];
            }
          if (at >= 0)
            dx[at] = (dx[at] as number) + (dy[((b * oh + oy) * ow + ox) * depth + c] as number);
        }
  return dx;
}

const POOLS: Pool[] = [
  { shape: [2, 8, 8, 5], size: 2, stride: 2, pad: 0 },
  { shape: [1, 9, 7, 3], size: 3, stride: 2, pad: 1 },
  { shape: [2, 6, 6, 4], size: 3, stride: 1, pad: 0 },
];

describe('native pooling gradients', () => {
  for (const [name, build, shared] of eachBuild(builds)) {
    for (const [p, parts] of POOLS.flatMap((p) => [1, 3].map((parts) => [p, parts] as const))) {
      it(`${name}: max pooling ${p.shape.join('x')}, ${p.size}x${p.size} stride ${p.stride} pad ${p.pad}, ties included, ${parts} part${parts > 1 ? 's' : ''}`, () => {
        const [batch, h, w, depth] = p.shape;
        const [oh, ow] = [pooled(h, p), pooled(w, p)];
        // Small integers: many windows hold their maximum twice.
        const x = Float32Array.from(randomValues(1, batch * h * w * depth), (v) =>
          Math.round(v * 2),
        );
        const dy = randomValues(2, batch * oh * ow * depth);
        const { outputs, untouched } = runNative(
          build,
          shared,
          'maxPoolGradient',
          { inputs: [x, dy], outputs: [x.length] },
          {
            args: [batch, h, w, depth, oh, ow, p.size, p.size, p.stride, p.stride, p.pad, p.pad],
            parts,
          },
        );
        expect(untouched).toBe(true);
        const expected = maxPoolReference(p, x, dy);
        expect(relativeError(outputs[0] as Float32Array, expected)).toBeLessThan(1e-6);
      });
    }

    it(`${name}: max pooling where windows hold -Infinity and NaN, 9 channels (two vectors and one), 2 parts`, () => {
      const p: Pool = { shape: [1, 6, 6, 9], size: 2, stride: 2, pad: 0 };
      const x = randomValues(3, 6 * 6 * 9);
      // Channel 0 all -Infinity (no maximum: no gradient), every 5th value NaN (never a maximum).
      x.forEach((_, i) => {
        if (i % 9 === 0) x[i] = -Infinity;
        else if (i % 5 === 0) x[i] = NaN;
      });
      const dy = randomValues(4, 3 * 3 * 9);
      const { outputs } = runNative(
        build,
        shared,
        'maxPoolGradient',
        { inputs: [x, dy], outputs: [x.length] },
        { args: [1, 6, 6, 9, 3, 3, 2, 2, 2, 2, 0, 0], parts: 2 },
      );
      const dx = outputs[0] as Float32Array;
      expect(dx.filter((_, i) => i % 9 === 0).every((v) => v === 0)).toBe(true);
      expect(relativeError(dx, maxPoolReference(p, x, dy))).toBeLessThan(1e-6);
    });

    it(`${name}: nearest-resize gradient, 5x4 -> 9x7, each output pixel back to its source, 2 parts`, () => {
      const [batch, h, w, depth, oh, ow] = [2, 5, 4, 3, 9, 7];
      const source = (size: number, outSize: number) =>
        Int32Array.from({ length: outSize }, (_, i) => Math.floor((i * size) / outSize));
      const [rows, cols] = [source(h, oh), source(w, ow)];
      const dy = randomValues(3, batch * oh * ow * depth);
      const { outputs, untouched } = runNative(
        build,
        shared,
        'resizeNearestGradient',
        { inputs: [dy, rows, cols], outputs: [batch * h * w * depth] },
        { args: [batch, h, w, depth, oh, ow], parts: 2 },
      );
      expect(untouched).toBe(true);
      const expected = new Float64Array(batch * h * w * depth);
      for (let b = 0; b < batch; b++)
        for (let y = 0; y < oh; y++)
          for (let x = 0; x < ow; x++)
            for (let c = 0; c < depth; c++) {
              const to = ((b * h + (rows[y] as number)) * w + (cols[x] as number)) * depth + c;
              expected[to] =
                (expected[to] as number) + (dy[((b * oh + y) * ow + x) * depth + c] as number);
            }
      expect(relativeError(outputs[0] as Float32Array, expected)).toBeLessThan(1e-6);
    });

    it(`${name}: nearest resize, 5x4 -> 9x7, each output pixel from its source, 3 parts`, () => {
      const [batch, h, w, depth, oh, ow] = [2, 5, 4, 3, 9, 7];
      const source = (size: number, outSize: number) =>
        Int32Array.from({ length: outSize }, (_, i) => Math.floor((i * size) / outSize));
      const [rows, cols] = [source(h, oh), source(w, ow)];
      const x = randomValues(5, batch * h * w * depth);
      const { outputs, untouched } = runNative(
        build,
        shared,
        'resizeNearest',
        { inputs: [x, rows, cols], outputs: [batch * oh * ow * depth] },
        { args: [batch, h, w, depth, oh, ow], parts: 3 },
      );
      expect(untouched).toBe(true);
      const expected = Float32Array.from({ length: batch * oh * ow * depth }, (_, i) => {
        const [c, ox, oy, b] = [
          i % depth,
          ((i / depth) % ow) | 0,
          ((i / depth / ow) % oh) | 0,
          (i / depth / ow / oh) | 0,
        ];
        return x[((b * h + (rows[oy] as number)) * w + (cols[ox] as number)) * depth + c] as number;
      });
      expect(outputs[0]).toEqual(expected);
    });

    for (const parts of [1, 3]) {
      it(`${name}: average-pooling gradient, 3x2 windows tiling 2x7x5x6 but the last row and column, ${parts} part${parts > 1 ? 's' : ''}`, () => {
        const [batch, h, w, depth, fh, fw] = [2, 7, 5, 6, 3, 2];
        const [oh, ow] = [Math.floor(h / fh), Math.floor(w / fw)];
        const dy = randomValues(4, batch * oh * ow * depth);
        const { outputs, untouched } = runNative(
          build,
          shared,
          'avgPoolGradient',
          { inputs: [dy], outputs: [batch * h * w * depth] },
          { args: [batch, h, w, depth, oh, ow, fh, fw], parts },
        );
        expect(untouched).toBe(true);
        const expected = new Float64Array(batch * h * w * depth);
        for (let b = 0; b < batch; b++)
          for (let y = 0; y < oh * fh; y++)
            for (let x = 0; x < ow * fw; x++)
              for (let c = 0; c < depth; c++) {
                const from = ((b * oh + Math.floor(y / fh)) * ow + Math.floor(x / fw)) * depth + c;
                expected[((b * h + y) * w + x) * depth + c] = (dy[from] as number) / (fh * fw);
              }
        expect(relativeError(outputs[0] as Float32Array, expected)).toBeLessThan(1e-6);
      });
    }
  }
});
