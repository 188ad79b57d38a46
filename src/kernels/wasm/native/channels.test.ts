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

      it(title('batch norm as a scale and shift per channel'), () => {
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
            ],
            parts,
          },
        );
        expect(untouched).toBe(true);
        const expected = Float64Array.from(x, (v, i) => {
          const c = i % channels;
          const a = (scale?.[c] as number) / Math.sqrt((variance[c] as number) + 1e-3);
          return (v - (mean?.[c] as number)) * a + (offset?.[c] as number);
        });
        expect(relativeError(outputs[1] as Float32Array, expected)).toBeLessThan(1e-5);
      });

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

      it(title('batch moments, gradient sums and input gradient per channel'), () => {
        const x = randomValues(11, pixels * channels).map((v) => 2 * v + 1);
        const dy = randomValues(12, pixels * channels);
        const gamma = randomValues(13, channels);
        const moments = runNative(
          build,
          shared,
          'channelMoments',
          { inputs: [x], outputs: [channels, channels] },
          { args: [pixels, channels], parts },
        );
        expect(moments.untouched).toBe(true);
        const [mean, variance] = moments.outputs as [Float32Array, Float32Array];
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
            inputs: [x, dy, mean, variance, gamma, epsilon],
            outputs: [channels, channels, 3 * channels, pixels * channels],
          },
          {
            prepare: (run, [xAt, dyAt, m, v, g, e, dbeta, dgamma, coefficients]) => {
              for (let part = 0; part < parts; part++) {
                run(
                  'channelGradientSums',
                  xAt ?? 0,
                  dyAt ?? 0,
                  m ?? 0,
                  v ?? 0,
                  e ?? 0,
                  dbeta ?? 0,
                  dgamma ?? 0,
                  pixels,
                  channels,
                  part,
                  parts,
                );
              }
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
            args: ([xAt, dyAt, , , , , , , coefficients, dx]) => [
              xAt ?? 0,
              dyAt ?? 0,
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
          const g = column(dy, c);
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
      });

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
    }
  }
});
