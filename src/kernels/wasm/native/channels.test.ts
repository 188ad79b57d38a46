/**
 * The per-channel and elementwise kernels (channels.c) in every build, whole and in parts as
 * threads split them, against JavaScript references: what they write, and nothing else.
 */
import { describe, expect, it } from 'vitest';
import { randomValues, relativeError } from '../../testValues.ts';
import * as builds from './channels.wasm.ts';
import { eachBuild, runNative } from './testHarness.ts';

const [pixels, channels] = [37, 10];

describe('native channel kernels', () => {
  for (const [name, build, shared] of eachBuild(builds)) {
    for (const parts of [1, 3]) {
      const title = (what: string) => `${name}: ${what}, ${parts} part${parts > 1 ? 's' : ''}`;
      /** The batch's mean and variance: the parts' sums over their pixels, then added up. */
      const moments = (x: Float32Array) =>
        runNative(
          build,
          shared,
          'channelMomentParts',
          { inputs: [x], outputs: [channels, channels, 4 * parts * channels] },
          {
            args: ([xAt, , , partial]) => [xAt ?? 0, partial ?? 0, pixels, channels],
            parts,
            finish: (run, [, mean, variance, partial]) =>
              run(
                'channelMoments',
                partial ?? 0,
                parts,
                mean ?? 0,
                variance ?? 0,
                pixels,
                channels,
              ),
          },
        );

      it.each([false, true])(
        title('batch norm as a scale and shift per channel, ReLU %s'),
        (relu) => {
          const x = randomValues(1, pixels * channels);
          const [mean, scale, offset] = [2, 3, 4].map((seed) => randomValues(seed, channels));
          const variance = randomValues(5, channels).map(Math.abs);
          const epsilon = Float32Array.of(1e-3);
          const { outputs, untouched } = runNative(
            build,
            shared,
            'scaleShift',
            {
              inputs: [
                x,
                mean as Float32Array,
                variance,
                scale as Float32Array,
                offset as Float32Array,
                epsilon,
              ],
              outputs: [2 * channels, pixels * channels],
            },
            {
              prepare: (run, [, m, v, s, o, e, coefficients]) =>
                run(
                  'batchNormCoefficients',
                  m ?? 0,
                  v ?? 0,
                  s ?? 0,
                  o ?? 0,
                  e ?? 0,
                  coefficients ?? 0,
                  channels,
                ),
              args: ([xAt, , , , , , coefficients, y]) => [
                xAt ?? 0,
                coefficients ?? 0,
                y ?? 0,
                pixels,
                channels,
                relu ? 1 : 0,
              ],
              parts,
            },
          );
          expect(untouched).toBe(true);
          const expected = Float64Array.from(x, (v, i) => {
            const c = i % channels;
            const a = (scale?.[c] as number) / Math.sqrt((variance[c] as number) + 1e-3);
            const y = (v - (mean?.[c] as number)) * a + (offset?.[c] as number);
            return relu ? Math.max(0, y) : y;
          });
          expect(relativeError(outputs[1] as Float32Array, expected)).toBeLessThan(1e-5);
        },
      );

      it(title('split along channels into 3, 6 and 1'), () => {
        const x = randomValues(6, pixels * channels);
        const widths = [3, 6, 1];
        const { outputs, untouched } = runNative(
          build,
          shared,
          'splitChannels',
          {
            inputs: [x, Int32Array.from(widths), Int32Array.of(0, 0, 0)],
            outputs: widths.map((w) => pixels * w),
          },
          {
            // The targets, written into the input once the harness has placed the outputs.
            args: ([xAt, widthsAt, targetsAt]) => [
              xAt ?? 0,
              widthsAt ?? 0,
              targetsAt ?? 0,
              3,
              pixels,
              channels,
            ],
            parts,
            targets: 2,
          },
        );
        expect(untouched).toBe(true);
        let first = 0;
        widths.forEach((width, k) => {
          const expected = Float32Array.from(
            { length: pixels * width },
            (_, i) => x[Math.floor(i / width) * channels + first + (i % width)] as number,
          );
          expect(outputs[k]).toEqual(expected);
          first += width;
        });
      });

      if (parts === 1) {
        it(`${name}: moving averages, rounded as tfjs's Sub, Mul and Sub`, () => {
          const [mean, variance, movingMean, movingVariance] = [21, 22, 23, 24].map((seed) =>
            randomValues(seed, channels),
          ) as [Float32Array, Float32Array, Float32Array, Float32Array];
          const k = Math.fround(1 - 0.99);
          const { outputs, untouched } = runNative(
            build,
            shared,
            'movingAverages',
            {
              inputs: [mean, variance, movingMean, movingVariance, Float32Array.of(k)],
              outputs: [channels, channels],
            },
            { args: [channels] },
          );
          expect(untouched).toBe(true);
          const f = Math.fround;
          const update = (moving: Float32Array, batch: Float32Array) =>
            Float32Array.from(moving, (m, c) => f(m - f(f(m - (batch[c] as number)) * k)));
          expect(outputs[0]).toEqual(update(movingMean, mean));
          expect(outputs[1]).toEqual(update(movingVariance, variance));
        });
      }

      it(title('rows gathered: a slice of [3, 5, 6, 4], [1:3, 1:4, 2:5, 1:3]'), () => {
        const x = randomValues(30, 3 * 5 * 6 * 4);
        const [s0, s1, s2] = [5 * 6 * 4, 6 * 4, 4];
        const offset = 1 * s0 + 1 * s1 + 2 * s2 + 1;
        const { outputs, untouched } = runNative(
          build,
          shared,
          'gatherRows',
          { inputs: [x], outputs: [2 * 3 * 3 * 2] },
          {
            args: ([xAt, out]) => [(xAt ?? 0) + 4 * offset, out ?? 0, 2, 2, 3, 3, s0, s1, s2],
            parts,
          },
        );
        expect(untouched).toBe(true);
        const expected: number[] = [];
        for (let i = 1; i < 3; i++)
          for (let j = 1; j < 4; j++)
            for (let k = 2; k < 5; k++)
              for (let c = 1; c < 3; c++) expected.push(x[i * s0 + j * s1 + k * s2 + c] as number);
        expect(outputs[0]).toEqual(Float32Array.from(expected));
      });

      it(title('concatenation along channels of 3, 6 and 1'), () => {
        const widths = [3, 6, 1];
        const pieces = widths.map((w, k) => randomValues(20 + k, pixels * w));
        const { outputs, untouched } = runNative(
          build,
          shared,
          'concatChannels',
          {
            inputs: [...pieces, Int32Array.of(0, 0, 0), Int32Array.from(widths)],
            outputs: [pixels * channels],
          },
          {
            // The sources, written into the input once the harness has placed the pieces.
            args: ([, , , sourcesAt, widthsAt, out]) => [
              sourcesAt ?? 0,
              widthsAt ?? 0,
              3,
              out ?? 0,
              pixels,
              channels,
            ],
            parts,
            sources: 3,
          },
        );
        expect(untouched).toBe(true);
        const expected = new Float32Array(pixels * channels);
        let first = 0;
        widths.forEach((width, k) => {
          for (let p = 0; p < pixels; p++)
            for (let c = 0; c < width; c++)
              expected[p * channels + first + c] = pieces[k]?.[p * width + c] as number;
          first += width;
        });
        expect(outputs[0]).toEqual(expected);
      });

      it(title('batch moments of values far from zero'), () => {
        // A mean 10^4 standard deviations from zero: one pass in doubles keeps the variance.
        const x = randomValues(14, pixels * channels).map((v) => 1e4 + v);
        const { outputs } = moments(x);
        for (let c = 0; c < channels; c++) {
          const column = Array.from({ length: pixels }, (_, p) => x[p * channels + c] as number);
          const m = column.reduce((a, b) => a + b, 0) / pixels;
          const v = column.reduce((a, b) => a + (b - m) ** 2, 0) / pixels;
          expect(Math.abs((outputs[0]?.[c] as number) - m) / m).toBeLessThan(1e-7);
          expect(Math.abs((outputs[1]?.[c] as number) - v) / v).toBeLessThan(1e-5);
        }
      });

      it.each([false, true])(
        title('batch moments, gradient sums and input gradient per channel, through a ReLU %s'),
        (relu) => {
          const x = randomValues(11, pixels * channels).map((v) => 2 * v + 1);
          const dy = randomValues(12, pixels * channels);
          // A fused ReLU's output: no gradient passes where it is 0 (about half of these).
          const mask = relu ? randomValues(15, pixels * channels).map((v) => Math.max(0, v)) : null;
          const passed = Float32Array.from(dy, (g, i) =>
            mask && !((mask[i] as number) > 0) ? 0 : g,
          );
          const gamma = randomValues(13, channels);
          const stats = moments(x);
          expect(stats.untouched).toBe(true);
          const [mean, variance] = stats.outputs as [Float32Array, Float32Array];
          const column = (values: Float32Array, c: number) =>
            Array.from({ length: pixels }, (_, p) => values[p * channels + c] as number);
          const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
          for (let c = 0; c < channels; c++) {
            const m = average(column(x, c));
            expect(mean[c]).toBeCloseTo(m, 5);
            expect(variance[c]).toBeCloseTo(average(column(x, c).map((v) => (v - m) ** 2)), 5);
          }
          const epsilon = Float32Array.of(1e-3);
          const gradient = runNative(
            build,
            shared,
            'batchNormInputGradient',
            {
              inputs: [x, dy, mask, mean, variance, gamma, epsilon],
              outputs: [channels, channels, 3 * channels, pixels * channels, 4 * parts * channels],
            },
            {
              prepare: (
                run,
                [xAt, dyAt, maskAt, m, v, g, e, dbeta, dgamma, coefficients, , partial],
              ) => {
                for (let part = parts - 1; part >= 0; part--) {
                  run(
                    'channelGradientSumParts',
                    xAt ?? 0,
                    dyAt ?? 0,
                    maskAt ?? 0,
                    m ?? 0,
                    partial ?? 0,
                    pixels,
                    channels,
                    part,
                    parts,
                  );
                }
                run(
                  'channelGradientSums',
                  partial ?? 0,
                  parts,
                  v ?? 0,
                  e ?? 0,
                  dbeta ?? 0,
                  dgamma ?? 0,
                  channels,
                );
                run(
                  'batchNormGradientCoefficients',
                  m ?? 0,
                  v ?? 0,
                  g ?? 0,
                  e ?? 0,
                  dbeta ?? 0,
                  dgamma ?? 0,
                  coefficients ?? 0,
                  pixels,
                  channels,
                );
              },
              args: ([xAt, dyAt, maskAt, , , , , , , coefficients, dx]) => [
                xAt ?? 0,
                dyAt ?? 0,
                maskAt ?? 0,
                coefficients ?? 0,
                dx ?? 0,
                pixels,
                channels,
              ],
              parts,
            },
          );
          expect(gradient.untouched).toBe(true);
          const [dbeta, dgamma, , dx] = gradient.outputs as Float32Array[];
          const expected = new Float64Array(pixels * channels);
          for (let c = 0; c < channels; c++) {
            const r = 1 / Math.sqrt((variance[c] as number) + 1e-3);
            const xhat = column(x, c).map((v) => (v - (mean[c] as number)) * r);
            const g = column(passed, c);
            const sumDy = g.reduce((a, b) => a + b, 0);
            const sumDyXhat = g.reduce((a, b, p) => a + b * (xhat[p] as number), 0);
            expect(dbeta?.[c]).toBeCloseTo(sumDy, 4);
            expect(dgamma?.[c]).toBeCloseTo(sumDyXhat, 4);
            for (let p = 0; p < pixels; p++) {
              expected[p * channels + c] =
                ((gamma[c] as number) *
                  r *
                  (pixels * (g[p] as number) - sumDy - (xhat[p] as number) * sumDyXhat)) /
                pixels;
            }
          }
          expect(relativeError(dx as Float32Array, expected)).toBeLessThan(1e-5);
        },
      );

      for (const [op, symbol] of [
        [0, '*'],
        [1, '+'],
        [2, '-'],
      ] as const) {
        for (const period of [0, channels]) {
          it(title(`a ${symbol} b${period ? ', b per channel' : ''}`), () => {
            const a = randomValues(7, pixels * channels);
            const b = randomValues(8, period || a.length);
            const { outputs, untouched } = runNative(
              build,
              shared,
              'elementwise',
              { inputs: [a, b], outputs: [a.length] },
              { args: [a.length, period, op], parts },
            );
            expect(untouched).toBe(true);
            const expected = Float32Array.from(a, (v, i) => {
              const w = b[period ? i % period : i] as number;
              return op === 0 ? v * w : op === 1 ? v + w : v - w;
            });
            expect(outputs[0]).toEqual(expected);
          });
        }
      }

      it(title('ReLU and its gradient'), () => {
        // Zeros among the values: neither passes a gradient where the output is 0.
        const x = randomValues(9, pixels * channels).map((v, i) => (i % 7 === 0 ? 0 : v));
        const dy = randomValues(10, x.length);
        const relu = runNative(
          build,
          shared,
          'elementwise',
          { inputs: [x, null], outputs: [x.length] },
          { args: ([xAt, , out]) => [xAt ?? 0, xAt ?? 0, out ?? 0, x.length, 0, 3], parts },
        );
        expect(relu.untouched).toBe(true);
        const y = Float32Array.from(x, (v) => Math.max(0, v));
        expect(relu.outputs[0]).toEqual(y);
        const gradient = runNative(
          build,
          shared,
          'elementwise',
          { inputs: [dy, y], outputs: [x.length] },
          { args: [x.length, 0, 4], parts },
        );
        expect(gradient.untouched).toBe(true);
        expect(gradient.outputs[0]).toEqual(
          Float32Array.from(dy, (g, i) => ((y[i] as number) > 0 ? g : 0)),
        );
      });
    }
  }
});
