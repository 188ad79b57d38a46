/**
 * The native filter gradient on a memory of its own, in all four builds, against the definition
 * written as plain loops: over the tile edges (channel counts that are not multiples of 4 and 8),
 * strides, padding and kernel sizes, in blocks as large as the app's and as small as 8 pixels;
 * and nothing written outside the gradient.
 */
import { describe, expect, it } from 'vitest';
import * as builds from './filterGradient.wasm.ts';
import { randomValues, relativeError } from '../../testValues.ts';
import { eachBuild, runNative } from './testHarness.ts';
import { filterGradientReference } from './convolutionReference.ts';

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

/** The reference's form of a case (convolutionReference.ts). */
const asConvolution = (c: Case) => ({
  ...c,
  top: c.pad,
  outH: outSize(c.h, c),
  outW: outSize(c.w, c),
  flip: false,
  bias: false,
  relu: false,
});

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
  for (const [name, build, shared] of eachBuild(builds)) {
    for (const c of CASES) {
      // Parts as threads split it: 5 for splits inside a tap's channels and across taps.
      for (const [block, parts] of [
        [16384, 1],
        [40, 1],
        [16384, 5],
        [40, 2],
      ] as const) {
        it(`${name}: ${c.batch}x${c.h}x${c.w}x${c.inC} -> ${c.outC}, ${c.k}x${c.k} stride ${c.stride} pad ${c.pad}, blocks of ${block} floats, ${parts} part${parts > 1 ? 's' : ''}`, () => {
          const [oh, ow] = [outSize(c.h, c), outSize(c.w, c)];
          const x = randomValues(1, c.batch * c.h * c.w * c.inC);
          const dy = randomValues(2, c.batch * oh * ow * c.outC);
          const { outputs, untouched } = runNative(
            build,
            shared,
            'filterGradient',
            { inputs: [x, dy], outputs: [c.k * c.k * c.inC * c.outC] },
            {
              args: [
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
              ],
              parts,
            },
          );
          expect(untouched).toBe(true);
          const expected = filterGradientReference(asConvolution(c), x, dy);
          expect(relativeError(outputs[0] as Float32Array, expected)).toBeLessThan(1e-5);
        });
      }
    }
  }
});
