import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONSTANT,
  decayedWeights,
  learningRateAt,
  setLearningRate,
  stepSchedule,
  type LearningRateSchedule,
} from './schedule.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const COSINE: LearningRateSchedule = {
  kind: 'warmup-cosine',
  warmupEpochs: 1,
  finalFraction: 0.01,
};

describe('learning-rate schedule', () => {
  it('warms up linearly from a tenth, then falls along a cosine to the final fraction', () => {
    const at = (step: number) => learningRateAt(1, COSINE, step, 10, 5);
    expect(at(0)).toBeCloseTo(0.1, 12);
    expect(at(5)).toBeCloseTo(0.55, 12);
    expect(at(10)).toBeCloseTo(1, 12);
    // Halfway through the cosine (steps 10..49): the mean of peak and floor.
    expect(at(10 + 39 / 2)).toBeCloseTo((1 + 0.01) / 2, 12);
    expect(at(49)).toBeCloseTo(0.01, 12);
    // Past the end (a resumed run given more epochs than it had) stays at the floor.
    expect(at(80)).toBeCloseTo(0.01, 12);
    const falling = Array.from({ length: 40 }, (_, i) => at(10 + i));
    falling.slice(1).forEach((rate, i) => expect(rate).toBeLessThan(falling[i] as number));
  });

  it('is the peak throughout when constant, and without warm-up starts at the peak', () => {
    expect(learningRateAt(3e-3, CONSTANT, 123, 10, 5)).toBe(3e-3);
    const noWarmup = { ...COSINE, warmupEpochs: 0 };
    expect(learningRateAt(2, noWarmup, 0, 10, 5)).toBeCloseTo(2, 12);
  });

  it('changes the step Adam and SGD with momentum take', () => {
    for (const make of [() => tf.train.adam(0.1), () => tf.train.momentum(0.1, 0.9)]) {
      const step = (rate: number) => {
        const optimizer = make();
        setLearningRate(optimizer, rate);
        const w = tf.variable(tf.scalar(1));
        optimizer.minimize(() => tf.mul(w, 3) as tf.Scalar);
        const moved = 1 - (w.dataSync()[0] as number);
        w.dispose();
        optimizer.dispose();
        return moved;
      };
      expect(step(0.01) / step(0.1)).toBeCloseTo(0.1, 5);
    }
  });
});

describe('stepSchedule', () => {
  const model = () => {
    const input = tf.input({ shape: [4] });
    const dense = tf.layers.dense({ units: 2, name: 'fc' }).apply(input) as tf.SymbolicTensor;
    const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(dense) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: bn });
  };

  it('is absent when the run has neither a schedule nor weight decay', () => {
    const m = model();
    const optimizer = tf.train.adam(1e-3);
    const settings = {
      optimizer,
      model: m,
      learningRate: 1e-3,
      first: 0,
      stepsPerEpoch: 5,
      epochs: 2,
    };
    expect(
      stepSchedule({ ...settings, schedule: undefined, weightDecay: undefined }),
    ).toBeUndefined();
    expect(stepSchedule({ ...settings, schedule: CONSTANT, weightDecay: 0 })).toBeUndefined();
    m.dispose();
    optimizer.dispose();
  });

  it('sets each step’s rate from the run’s step and shrinks kernels only', () => {
    const m = model();
    // tfjs numbers a variable whose name is taken (fc/kernel_1 in a second model).
    const kernelName = decayedWeights(m)[0]?.name;
    expect(decayedWeights(m)).toHaveLength(1);
    expect(kernelName).toMatch(/^fc\/kernel(_\d+)?$/);
    const optimizer = tf.train.adam(1);
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    // A session resumed after 2 epochs of 5 steps: its step 0 is the run's step 10.
    const hook = stepSchedule({
      optimizer,
      model: m,
      learningRate: 0.5,
      schedule: COSINE,
      weightDecay: 0.1,
      first: 10,
      stepsPerEpoch: 5,
      epochs: 4,
    });
    if (!hook) throw new Error('expected a step hook');
    hook(0);
    const rate = learningRateAt(0.5, COSINE, 10, 5, 4);
    expect((optimizer as unknown as { learningRate: number }).learningRate).toBeCloseTo(rate, 12);
    const after = m.getWeights().map((w) => Array.from(w.dataSync()));
    const names = m.weights.map((w) => w.name);
    names.forEach((name, i) => {
      const factor = name === kernelName ? 1 - rate * 0.1 : 1;
      (after[i] as number[]).forEach((v, j) =>
        expect(v).toBeCloseTo(((before[i] as number[])[j] as number) * factor, 6),
      );
    });
    m.dispose();
    optimizer.dispose();
  });
});
