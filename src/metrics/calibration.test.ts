import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import { applyTemperature, fitTemperature, fitTemperatures, temperedLoss } from './calibration.ts';

/** Rows drawn from softmax(z) with labels drawn from softmax(z / trueT): over-confident by trueT. */
function overconfident(count: number, trueT: number, seed: number) {
  const random = new Random(seed);
  const labels: number[] = [];
  const probabilities = new Float32Array(count * 3);
  for (let i = 0; i < count; i++) {
    const z = [random.uniform(-4, 4), random.uniform(-4, 4), random.uniform(-4, 4)];
    const softmax = (t: number) => {
      const e = z.map((v) => Math.exp(v / t));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    softmax(1).forEach((p, c) => (probabilities[i * 3 + c] = p));
    const truth = softmax(trueT);
    const u = random.next();
    labels.push(
      u < (truth[0] as number) ? 0 : u < (truth[0] as number) + (truth[1] as number) ? 1 : 2,
    );
  }
  return { labels, probabilities };
}

describe('temperature scaling', () => {
  it('T = 1 returns the rows unchanged, and every tempered row sums to 1', () => {
    const p = [0.7, 0.2, 0.1, 0.05, 0.9, 0.05];
    expect(Array.from(applyTemperature(p, 1))).toEqual(p.map((v) => expect.closeTo(v, 6)));
    const soft = applyTemperature(p, 3);
    expect((soft[0] as number) + (soft[1] as number) + (soft[2] as number)).toBeCloseTo(1, 6);
    // A higher temperature softens; the order within a row is kept.
    expect(soft[0]).toBeLessThan(0.7);
    expect(soft[0]).toBeGreaterThan(soft[1] as number);
  });

  it('recovers the temperature that made the scores over-confident', () => {
    const { labels, probabilities } = overconfident(4000, 2.5, 7);
    const t = fitTemperature(labels, probabilities);
    expect(t).toBeGreaterThan(2.1);
    expect(t).toBeLessThan(2.9);
    expect(temperedLoss(labels, probabilities, t)).toBeLessThan(
      temperedLoss(labels, probabilities, 1),
    );
  });

  it('finds about 1 for calibrated scores, and 1 with no labels', () => {
    const { labels, probabilities } = overconfident(4000, 1, 11);
    expect(fitTemperature(labels, probabilities)).toBeCloseTo(1, 0);
    expect(fitTemperature([], [])).toBe(1);
    expect(() => fitTemperature([0], [0.5, 0.5])).toThrow(RangeError);
    expect(() => applyTemperature([1, 0, 0], 0)).toThrow(RangeError);
  });
});

describe('fitTemperatures', () => {
  it('fits the plain and, where given, the 8-view temperature; none without labels', () => {
    const plain = overconfident(2000, 2, 3);
    const views = overconfident(2000, 1, 4);
    expect(fitTemperatures({ labels: [], probabilities: [] })).toBeUndefined();
    const one = fitTemperatures(plain);
    expect(one).toEqual({ temperature: fitTemperature(plain.labels, plain.probabilities) });
    const both = fitTemperatures({ ...plain, ttaProbabilities: views.probabilities });
    expect(both?.temperature).toBe(one?.temperature);
    expect(both?.ttaTemperature).toBe(fitTemperature(plain.labels, views.probabilities));
  });
});
