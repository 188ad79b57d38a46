import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { diceCoefficient, diceLoss, jaccardIndex } from '../training/segmentationLoss.ts';
import { SEGNET_QUICK, SEGNET_SEED, buildSegNet } from './segnet.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('buildSegNet', () => {
  it('builds the seed SegNet layer by layer', () => {
    const model = buildSegNet(SEGNET_SEED);
    const block = (prefix: string) => [`${prefix}_conv`, `${prefix}_bn`, `${prefix}_relu`];
    expect(model.layers.map((l) => l.name)).toEqual([
      'image',
      ...block('encoder1_1'),
      ...block('encoder1_2'),
      'encoder1_pool',
      ...block('encoder2_1'),
      ...block('encoder2_2'),
      'encoder2_pool',
      ...block('encoder3_1'),
      ...block('encoder3_2'),
      ...block('encoder3_3'),
      'encoder3_pool',
      'decoder1_up',
      ...block('decoder1_1'),
      ...block('decoder1_2'),
      ...block('decoder1_3'),
      'decoder2_up',
      ...block('decoder2_1'),
      ...block('decoder2_2'),
      'decoder3_up',
      ...block('decoder3_1'),
      ...block('decoder3_2'),
      'mask',
    ]);
    expect(model.inputs[0]?.shape).toEqual([null, 200, 200, 3]);
    expect(model.outputs[0]?.shape).toEqual([null, 200, 200, 1]);
    model.dispose();
  });

  it('has the parameter count computed by hand for the seed config', () => {
    // A 3x3 conv from c to f channels has 9*c*f weights + f biases; BN has 4*f (gamma, beta and the
    // moving mean and variance, which do not train).
    //   encoder  3→16: 448+64    16→16: 2320+64    16→32: 4640+128   32→32: 9248+128
    //            32→64: 18496+256   64→64: 2 x (36928+256)
    //   decoder  64→64: 3 x (36928+256)   64→32: 18464+128   32→32: 9248+128
    //            32→16: 4624+64    16→16: 2320+64
    //   mask     1x1 16→1: 16+1 = 17
    // Total 256,769, of which 2 x 2 x (16+16+32+32+64+64+64) = 1,152 moving statistics.
    const model = buildSegNet(SEGNET_SEED);
    expect(model.countParams()).toBe(256_769);
    const trainable = model.trainableWeights.reduce(
      (n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
      0,
    );
    expect(trainable).toBe(255_617);
    model.dispose();
  });

  it('refuses an input size the pooling cannot halve cleanly', () => {
    expect(() => buildSegNet({ ...SEGNET_SEED, inputSize: 100 })).toThrow(/divisible by 8/);
  });
});

/** A batch of images with a bright square lesion and its mask. */
function batch(size: number, count: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => {
    const mask = tf.buffer([count, size, size, 1]);
    for (let n = 0; n < count; n++) {
      const start = 4 + n;
      for (let r = start; r < start + size / 2; r++)
        for (let c = start; c < start + size / 2; c++) mask.set(1, n, r, c, 0);
    }
    const y = mask.toTensor() as tf.Tensor4D;
    const x = tf
      .concat([y, tf.mul(y, 0.5), tf.sub(1, y)], 3)
      .add(tf.randomUniform([count, size, size, 3], 0, 0.1, 'float32', 1)) as tf.Tensor4D;
    return { x, y };
  });
}

describe('SegNet training', () => {
  it('fits two steps with Dice loss without leaking tensors, and round-trips through save and load', async () => {
    const { inputSize } = SEGNET_QUICK;
    const model = buildSegNet(SEGNET_QUICK);
    model.compile({
      optimizer: tf.train.momentum(1e-3, 0.9),
      loss: diceLoss,
      metrics: [diceCoefficient, jaccardIndex],
    });
    const { x, y } = batch(inputSize, 4);
    // The first step creates the optimizer's momentum slots; later steps must allocate nothing.
    await model.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const loss = history.history.loss?.[0] as number;
    expect(loss).toBeGreaterThan(0);
    expect(loss).toBeLessThan(1);

    // Weights only: a save with includeOptimizer records the custom loss and metric names, which
    // tf.loadLayersModel cannot resolve ("Unknown metric diceCoefficient"); optimizer state is
    // checkpointed apart from the model (optimizer.getWeights / setWeights).
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(difference).toBeLessThan(1e-6);
    tf.dispose([a, b]);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('segmentation loss and metrics', () => {
  it('agree with hand-computed figures', () => {
    // Truth: 4 lesion pixels; prediction: 2 of them plus 2 others (at 0.9, 0.8 / 0.7, 0.6).
    const truth = tf.tensor4d([1, 1, 1, 1, 0, 0, 0, 0], [1, 2, 4, 1]);
    const pred = tf.tensor4d([0.9, 0.8, 0.1, 0.2, 0.7, 0.6, 0, 0], [1, 2, 4, 1]);
    // Hard masks: intersection 2, |T| + |P| = 8 → Dice 0.5; union 6 → Jaccard 1/3.
    expect(diceCoefficient(truth, pred).arraySync()).toBeCloseTo(0.5, 6);
    expect(jaccardIndex(truth, pred).arraySync()).toBeCloseTo(1 / 3, 6);
    // Soft: Σ t·p = 2.0, Σ t + Σ p = 4 + 3.3 → loss 1 - (2·2 + 1) / (7.3 + 1) = 1 - 5 / 8.3.
    expect(diceLoss(truth, pred).arraySync()).toBeCloseTo(1 - 5 / 8.3, 5);
    // An empty prediction of an empty mask is perfect.
    const empty = tf.zeros([1, 2, 2, 1]);
    expect(diceCoefficient(empty, empty).arraySync()).toBe(1);
    expect(diceLoss(empty, empty).arraySync()).toBeCloseTo(0, 6);
    tf.dispose([truth, pred, empty]);
  });
});
