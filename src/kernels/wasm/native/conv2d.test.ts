/**
 * The native convolution on a memory of its own, in all four builds, against the definition
 * written as plain loops: kernels as given and flipped (the input gradient's use), padding of
 * every kind (same, valid, and the full padding of a valid convolution's input gradient), stride 2,
 * rows too short for a 4-pixel tile, output-channel counts around the blocks of 8, bias and ReLU;
 * and nothing written outside the output and the packing scratch.
 */
import { describe, expect, it } from 'vitest';
import * as builds from './conv2d.wasm.ts';
import { randomValues, relativeError } from '../../testValues.ts';
import { eachBuild, runNative } from './testHarness.ts';
import { reference, type Case } from './convolutionReference.ts';

const plain = { flip: false, bias: false, relu: false };
const CASES: Case[] = [
  // same padding, rows of 11: two 4-pixel tiles, a remainder and the two edge pixels
  { batch: 2, h: 6, w: 11, inC: 4, outC: 8, k: 3, top: 1, outH: 6, outW: 11, ...plain },
  { batch: 1, h: 5, w: 9, inC: 5, outC: 13, k: 3, top: 1, outH: 5, outW: 9, ...plain },
  { batch: 1, h: 4, w: 7, inC: 3, outC: 1, k: 3, top: 1, outH: 4, outW: 7, ...plain },
  { batch: 1, h: 4, w: 8, inC: 16, outC: 3, k: 1, top: 0, outH: 4, outW: 8, ...plain },
  { batch: 1, h: 3, w: 2, inC: 2, outC: 9, k: 3, top: 1, outH: 3, outW: 2, ...plain },
  // valid, and the full padding of a valid convolution's input gradient
  { batch: 2, h: 7, w: 10, inC: 6, outC: 16, k: 3, top: 0, outH: 5, outW: 8, ...plain },
  { batch: 1, h: 5, w: 6, inC: 7, outC: 12, k: 3, top: 2, outH: 7, outW: 8, ...plain },
  { batch: 1, h: 9, w: 9, inC: 3, outC: 10, k: 7, top: 3, outH: 9, outW: 9, ...plain },
  // the input gradient's kernel; and bias and ReLU
  { batch: 2, h: 6, w: 9, inC: 8, outC: 6, k: 3, top: 1, outH: 6, outW: 9, ...plain, flip: true },
  { batch: 1, h: 5, w: 5, inC: 4, outC: 11, k: 3, top: 2, outH: 7, outW: 7, ...plain, flip: true },
  {
    batch: 1,
    h: 6,
    w: 10,
    inC: 5,
    outC: 12,
    k: 3,
    top: 1,
    outH: 6,
    outW: 10,
    flip: false,
    bias: true,
    relu: true,
  },
  {
    batch: 1,
    h: 4,
    w: 6,
    inC: 3,
    outC: 5,
    k: 1,
    top: 0,
    outH: 4,
    outW: 6,
    flip: false,
    bias: true,
    relu: false,
  },
  // 1x1 as one long row of pixels: 4-pixel tiles across rows of 7, chunks of 64 pixels crossed
  {
    batch: 3,
    h: 7,
    w: 7,
    inC: 9,
    outC: 13,
    k: 1,
    top: 0,
    outH: 7,
    outW: 7,
    flip: false,
    bias: true,
    relu: true,
  },
  { batch: 2, h: 9, w: 5, inC: 12, outC: 8, k: 1, top: 0, outH: 9, outW: 5, ...plain, flip: true },
  // stride 2: same padding (DenseNet's first convolution, small), and valid with bias and ReLU
  { batch: 2, h: 13, w: 13, inC: 3, outC: 10, k: 7, top: 3, outH: 7, outW: 7, ...plain, stride: 2 },
  {
    batch: 1,
    h: 9,
    w: 10,
    inC: 5,
    outC: 8,
    k: 3,
    top: 0,
    outH: 4,
    outW: 4,
    flip: false,
    bias: true,
    relu: true,
    stride: 2,
  },
  {
    batch: 1,
    h: 22,
    w: 22,
    inC: 4,
    outC: 9,
    k: 1,
    top: 0,
    outH: 11,
    outW: 11,
    ...plain,
    stride: 2,
  },
];

describe('native convolution', () => {
  for (const [name, build, shared] of eachBuild(builds)) {
    for (const c of CASES) {
      for (const parts of [1, 3]) {
        const title = `${name}: ${c.batch}x${c.h}x${c.w}x${c.inC} -> ${c.outH}x${c.outW}x${c.outC}, ${c.k}x${c.k} from ${c.top}${c.stride ? `, stride ${c.stride}` : ''}${c.flip ? ', flipped' : ''}${c.bias ? ', bias' : ''}${c.relu ? ', ReLU' : ''}, ${parts} part${parts > 1 ? 's' : ''}`;
        it(title, () => {
          const input = randomValues(1, c.batch * c.h * c.w * c.inC);
          const kernel = randomValues(2, c.k * c.k * c.inC * c.outC);
          const bias = randomValues(3, c.outC);
          const packed = Math.ceil(c.outC / 8) * 8 * c.k * c.k * c.inC;
          const { outputs, untouched } = runNative(
            build,
            shared,
            'conv2d',
            {
              inputs: [input, kernel, c.bias ? bias : null],
              outputs: [c.batch * c.outH * c.outW * c.outC, packed],
            },
            {
              prepare: (run, [, k, , , p]) =>
                run('conv2dPack', k ?? 0, p ?? 0, c.inC, c.outC, c.k, c.k, c.flip ? 1 : 0),
              args: ([x, , b, out, p]) => [
                x ?? 0,
                p ?? 0,
                b ?? 0,
                out ?? 0,
                c.batch,
                c.h,
                c.w,
                c.inC,
                c.outH,
                c.outW,
                c.outC,
                c.k,
                c.k,
                c.top,
                c.top,
                c.stride ?? 1,
                c.stride ?? 1,
                c.relu ? 1 : 0,
              ],
              parts,
            },
          );
          expect(untouched).toBe(true);
          const expected = reference(c, input, kernel, bias);
          expect(relativeError(outputs[0] as Float32Array, expected)).toBeLessThan(1e-5);
        });
      }
    }
  }
});
