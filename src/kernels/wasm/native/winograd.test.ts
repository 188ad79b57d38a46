/**
 * The Winograd F(2x2, 3x3) convolution on a memory of its own, in all four builds, against the
 * definition written as plain loops (convolutionReference.ts): same padding with odd and even
 * sizes, valid, the full padding of a valid convolution's input gradient, the flipped kernel of
 * the input gradient, input-channel counts that are not a multiple of 4, output-channel counts
 * around the blocks of 8, rows of tiles shorter and longer than a register tile, bias and ReLU; in
 * 1 and 3 parts; nothing written outside the output, the packed kernel and the scratch.
 */
import { describe, expect, it } from 'vitest';
import * as builds from './winograd.wasm.ts';
import { randomValues, relativeError } from '../../testValues.ts';
import { eachBuild, runNative } from './testHarness.ts';
import { filterGradientReference, reference, type Case } from './convolutionReference.ts';

const plain = { k: 3, flip: false, bias: false, relu: false };
const CASES: Case[] = [
  // same padding: 6 x 11 (3 rows of tiles, 6 tiles a row: a register tile and a remainder of 2)
  { batch: 2, h: 6, w: 11, inC: 8, outC: 8, top: 1, outH: 6, outW: 11, ...plain },
  // odd height, channels not a multiple of 4, output channels past one block
  { batch: 1, h: 5, w: 9, inC: 5, outC: 13, top: 1, outH: 5, outW: 9, ...plain },
  { batch: 1, h: 3, w: 3, inC: 3, outC: 1, top: 1, outH: 3, outW: 3, ...plain },
  { batch: 1, h: 1, w: 17, inC: 1, outC: 7, top: 1, outH: 1, outW: 17, ...plain },
  { batch: 3, h: 8, w: 16, inC: 16, outC: 32, top: 1, outH: 8, outW: 16, ...plain },
  // valid, and the full padding of a valid convolution's input gradient
  { batch: 2, h: 7, w: 10, inC: 6, outC: 16, top: 0, outH: 5, outW: 8, ...plain },
  { batch: 1, h: 5, w: 6, inC: 7, outC: 12, top: 2, outH: 7, outW: 8, ...plain },
  // the input gradient's kernel; bias and ReLU
  { batch: 2, h: 6, w: 9, inC: 8, outC: 6, top: 1, outH: 6, outW: 9, ...plain, flip: true },
  { batch: 1, h: 5, w: 5, inC: 4, outC: 11, top: 2, outH: 7, outW: 7, ...plain, flip: true },
  { batch: 1, h: 6, w: 10, inC: 9, outC: 12, top: 1, outH: 6, outW: 10, ...plain, bias: true },
  {
    batch: 2,
    h: 7,
    w: 7,
    inC: 12,
    outC: 20,
    top: 1,
    outH: 7,
    outW: 7,
    ...plain,
    bias: true,
    relu: true,
  },
];

/** The kernels' scratch for `parts` parts (what they write past their own is caught). */
const scratchFloats = (inC: number, parts: number, large: number) =>
  parts * (large ? 36 : 16) * 4 * (inC + 8);
const gradientScratchFloats = (inC: number, outC: number, parts: number, large: number) => {
  const [in4, out8] = [Math.ceil(inC / 4) * 4, Math.ceil(outC / 8) * 8];
  return parts * (large ? 36 : 16) * (in4 * out8 + 32 * (in4 + out8) + 32);
};

describe('native Winograd convolution', () => {
  for (const [name, build, shared] of eachBuild(builds)) {
    for (const c of CASES) {
      for (const [parts, large] of [
        [1, 0],
        [3, 0],
        [1, 1],
        [3, 1],
      ] as const) {
        const title = `${name}: F(${large ? 4 : 2}, 3) ${c.batch}x${c.h}x${c.w}x${c.inC} -> ${c.outH}x${c.outW}x${c.outC} from ${c.top}${c.flip ? ', flipped' : ''}${c.bias ? ', bias' : ''}${c.relu ? ', ReLU' : ''}, ${parts} part${parts > 1 ? 's' : ''}`;
        it(title, () => {
          const input = randomValues(1, c.batch * c.h * c.w * c.inC);
          const kernel = randomValues(2, 9 * c.inC * c.outC);
          const bias = randomValues(3, c.outC);
          const packed = (large ? 36 : 16) * Math.ceil(c.outC / 8) * 8 * c.inC;
          const { outputs, untouched } = runNative(
            build,
            shared,
            'winograd3x3',
            {
              inputs: [input, kernel, c.bias ? bias : null],
              outputs: [
                c.batch * c.outH * c.outW * c.outC,
                packed,
                scratchFloats(c.inC, parts, large),
              ],
            },
            {
              prepare: (run, [, k, , , p]) =>
                run('winogradPack', k ?? 0, p ?? 0, c.inC, c.outC, c.flip ? 1 : 0, large),
              args: ([x, , b, out, p, scratch]) => [
                x ?? 0,
                p ?? 0,
                b ?? 0,
                out ?? 0,
                scratch ?? 0,
                c.batch,
                c.h,
                c.w,
                c.inC,
                c.outH,
                c.outW,
                c.outC,
                c.top,
                c.top,
                c.relu ? 1 : 0,
                large,
              ],
              parts,
            },
          );
          expect(untouched).toBe(true);
          const expected = reference(c, input, kernel, bias);
          // F(4x4, 3x3)'s coefficients (up to 8, and 1/24) round more
          const tolerance = large ? 1e-4 : 1e-5;
          expect(relativeError(outputs[0] as Float32Array, expected)).toBeLessThan(tolerance);
        });
      }
    }
  }

  // Gradients: more tiles than one run of 32 (the sums cross runs), and a part with no tile (2 x 4
  // pixels: 2 tiles for 3 parts)
  const GRADIENT_CASES = CASES.filter((c) => !c.flip).concat([
    { batch: 2, h: 12, w: 14, inC: 4, outC: 9, top: 1, outH: 12, outW: 14, ...plain },
    { batch: 1, h: 2, w: 4, inC: 5, outC: 3, top: 1, outH: 2, outW: 4, ...plain },
    { batch: 3, h: 11, w: 9, inC: 13, outC: 24, top: 1, outH: 11, outW: 9, ...plain },
  ]);
  for (const [name, build, shared] of eachBuild(builds)) {
    for (const c of GRADIENT_CASES) {
      for (const [parts, large] of [
        [1, 0],
        [3, 0],
        [1, 1],
        [3, 1],
      ] as const) {
        it(`${name}: F(${large ? 4 : 2}, 3) filter gradient of ${c.batch}x${c.h}x${c.w}x${c.inC} -> ${c.outH}x${c.outW}x${c.outC} from ${c.top}, ${parts} part${parts > 1 ? 's' : ''}`, () => {
          const x = randomValues(4, c.batch * c.h * c.w * c.inC);
          const dy = randomValues(5, c.batch * c.outH * c.outW * c.outC);
          const { outputs, untouched } = runNative(
            build,
            shared,
            'winogradGradientParts',
            {
              inputs: [x, dy],
              outputs: [9 * c.inC * c.outC, gradientScratchFloats(c.inC, c.outC, parts, large)],
            },
            {
              args: ([xAt, dyAt, , scratch]) => [
                xAt ?? 0,
                dyAt ?? 0,
                scratch ?? 0,
                c.batch,
                c.h,
                c.w,
                c.inC,
                c.outH,
                c.outW,
                c.outC,
                c.top,
                c.top,
                large,
              ],
              parts,
              finish: (run, [, , dw, scratch]) =>
                run('winogradFilterGradient', scratch ?? 0, parts, dw ?? 0, c.inC, c.outC, large),
            },
          );
          expect(untouched).toBe(true);
          const expected = filterGradientReference(c, x, dy);
          const tolerance = large ? 1e-4 : 1e-5;
          expect(relativeError(outputs[0] as Float32Array, expected)).toBeLessThan(tolerance);
        });
      }
    }
  }

  it('asks for as much scratch as its test gives it, per part', () => {
    const module = new WebAssembly.Module(Buffer.from(builds.simd, 'base64'));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: 65536 });
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    const scratch = instance.exports.winogradScratch as (inC: number, large: number) => number;
    expect(scratch(5, 0)).toBe(scratchFloats(5, 1, 0));
    expect(scratch(5, 1)).toBe(scratchFloats(5, 1, 1));
    const gradient = instance.exports.winogradGradientScratch as (
      i: number,
      o: number,
      large: number,
    ) => number;
    expect(gradient(5, 9, 0)).toBe(gradientScratchFloats(5, 9, 1, 0));
    expect(gradient(5, 9, 1)).toBe(gradientScratchFloats(5, 9, 1, 1));
  });
});
