/**
 * The native filter gradient on a memory of its own: both builds, against the definition written as
 * plain loops, over the tile edges (channel counts that are not multiples of 4 and 8), strides,
 * padding and kernel sizes; and with guard zones around every buffer, since the module writes
 * straight into the memory tfjs keeps all its tensors in.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  relaxedSimd,
  relaxedSimdShared,
  simd,
  simdShared,
  sourceSha256,
} from './filterGradient.wasm.ts';

interface Case {
  batch: number;
  h: number;
  w: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: number;
}

const outSize = (n: number, { k, stride, pad }: Case) => Math.floor((n + 2 * pad - k) / stride) + 1;

function reference(c: Case, x: Float32Array, dy: Float32Array): Float64Array {
  const [oh, ow] = [outSize(c.h, c), outSize(c.w, c)];
  const dw = new Float64Array(c.k * c.k * c.inC * c.outC);
  for (let b = 0; b < c.batch; b++)
    for (let y = 0; y < oh; y++)
      for (let xo = 0; xo < ow; xo++)
        for (let i = 0; i < c.k; i++)
          for (let j = 0; j < c.k; j++) {
            const iy = y * c.stride + i - c.pad;
            const ix = xo * c.stride + j - c.pad;
            if (iy < 0 || iy >= c.h || ix < 0 || ix >= c.w) continue;
            for (let ci = 0; ci < c.inC; ci++)
              for (let co = 0; co < c.outC; co++) {
                const at = ((i * c.k + j) * c.inC + ci) * c.outC + co;
                dw[at] =
                  (dw[at] as number) +
                  (x[((b * c.h + iy) * c.w + ix) * c.inC + ci] as number) *
                    (dy[((b * oh + y) * ow + xo) * c.outC + co] as number);
              }
          }
  return dw;
}

const GUARD = 64; // floats before and after every buffer
const SENTINEL = -12345.5;

function run(build: string, shared: boolean, c: Case, block: number) {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536, shared });
  const bytes = Uint8Array.from(Buffer.from(build, 'base64'));
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const filterGradient = instance.exports.filterGradient as (...args: number[]) => void;
  const [oh, ow] = [outSize(c.h, c), outSize(c.w, c)];
  const sizes = [
    c.batch * c.h * c.w * c.inC,
    c.batch * oh * ow * c.outC,
    c.k * c.k * c.inC * c.outC,
  ];
  const heap = new Float32Array(memory.buffer);
  heap.fill(SENTINEL);
  // x, dy and dw one after the other from 1 MB up (the module's own globals sit lower), with guards.
  const offsets: number[] = [];
  let at = (1 << 20) / 4 + GUARD;
  for (const size of sizes) {
    offsets.push(at);
    at += size + GUARD;
  }
  const random = (n: number) => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
  const [xAt, dyAt, dwAt] = offsets as [number, number, number];
  const [xSize, dySize, dwSize] = sizes as [number, number, number];
  const [x, dy] = [random(xSize), random(dySize)];
  heap.set(x, xAt);
  heap.set(dy, dyAt);
  filterGradient(
    xAt * 4,
    dyAt * 4,
    dwAt * 4,
    c.batch,
    c.h,
    c.w,
    c.inC,
    oh,
    ow,
    c.outC,
    c.k,
    c.k,
    c.stride,
    c.stride,
    c.pad,
    c.pad,
    block,
  );
  const dw = heap.slice(dwAt, dwAt + dwSize);
  const untouched =
    heap.subarray(dwAt - GUARD, dwAt).every((v) => v === SENTINEL) &&
    heap.subarray(dwAt + dwSize, at).every((v) => v === SENTINEL) &&
    heap.subarray(xAt, xAt + xSize).every((v, i) => v === x[i]) &&
    heap.subarray(dyAt, dyAt + dySize).every((v, i) => v === dy[i]);
  return { dw, expected: reference(c, x, dy), untouched };
}

const CASES: Case[] = [
  { batch: 2, h: 9, w: 11, inC: 4, outC: 8, k: 3, stride: 1, pad: 1 },
  // every input-channel remainder (1-3) and output-channel remainder (1-7)
  { batch: 1, h: 7, w: 6, inC: 3, outC: 13, k: 3, stride: 1, pad: 1 },
  { batch: 2, h: 5, w: 8, inC: 6, outC: 5, k: 3, stride: 1, pad: 0 },
  { batch: 1, h: 6, w: 6, inC: 1, outC: 1, k: 1, stride: 1, pad: 0 },
  { batch: 1, h: 8, w: 8, inC: 9, outC: 15, k: 3, stride: 1, pad: 1 },
  { batch: 1, h: 6, w: 7, inC: 11, outC: 2, k: 3, stride: 1, pad: 1 },
  // strides, a 7x7 kernel, and an output whose taps miss parts of the input
  { batch: 2, h: 13, w: 13, inC: 5, outC: 7, k: 3, stride: 2, pad: 1 },
  { batch: 1, h: 16, w: 15, inC: 3, outC: 8, k: 7, stride: 2, pad: 3 },
  { batch: 1, h: 12, w: 12, inC: 8, outC: 16, k: 2, stride: 2, pad: 0 },
  { batch: 3, h: 14, w: 14, inC: 12, outC: 32, k: 1, stride: 1, pad: 0 },
];

describe('native filter gradient', () => {
  it('was built from the C source as it is now (run `npm run build:kernels` after changing it)', () => {
    const source = readFileSync(join(import.meta.dirname, 'filter_gradient.c'), 'utf8');
    expect(createHash('sha256').update(source).digest('hex')).toBe(sourceSha256);
  });

  it('runs its relaxed-SIMD builds here, as Chromium does (vite.config.ts flags it for Node 20)', () => {
    for (const build of [relaxedSimd, relaxedSimdShared]) {
      expect(WebAssembly.validate(Buffer.from(build, 'base64'))).toBe(true);
    }
  });

  for (const [name, build, shared] of [
    ['SIMD', simd, false],
    ['SIMD, shared memory', simdShared, true],
    ['relaxed SIMD', relaxedSimd, false],
    ['relaxed SIMD, shared memory', relaxedSimdShared, true],
  ] as const) {
    for (const c of CASES) {
      for (const block of [16384, 40]) {
        it(`${name}: ${c.batch}x${c.h}x${c.w}x${c.inC} -> ${c.outC}, ${c.k}x${c.k} stride ${c.stride} pad ${c.pad}, blocks of ${block} floats`, () => {
          const { dw, expected, untouched } = run(build, shared, c, block);
          expect(untouched).toBe(true);
          const scale = Math.max(...expected.map(Math.abs));
          const worst = Math.max(...dw.map((v, i) => Math.abs(v - (expected[i] as number))));
          expect(worst / scale).toBeLessThan(1e-5);
        });
      }
    }
  }
});
