import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DENSENET_121_BACKBONE,
  DENSENET_QUICK,
  ImageNetNormalization,
  buildDenseNet,
  buildDenseNetParts,
  describeDenseNet,
  threeClassProbabilities,
  type DenseNetConfig,
} from './densenet.ts';
import keras from './densenet121.keras-layers.json';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const DENSENET_121_NO_TOP: DenseNetConfig = { ...DENSENET_121_BACKBONE, head: 'none' };

function trainableCount(model: tf.LayersModel): number {
  return model.trainableWeights.reduce(
    (n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1),
    0,
  );
}

describe('buildDenseNet: DenseNet-121 against Keras', () => {
  it('has the layers of Keras DenseNet121(include_top=False), in order, from an outside summary', () => {
    const model = buildDenseNet(DENSENET_121_NO_TOP);
    const renames: Record<string, string> = keras.tfKerasNames;
    const expected = keras.layers.map((name) => renames[name] ?? name);
    const names = model.layers.map((l) => l.name);
    expect(expected).toHaveLength(427);
    for (const name of expected) expect(names).toContain(name);
    expect(names).toEqual(expected);
    expect(model.outputs[0]?.shape).toEqual([null, 7, 7, 1024]);
    model.dispose();
  });

  it("has Keras' parameter counts without and with the ImageNet top", () => {
    const backbone = buildDenseNet(DENSENET_121_NO_TOP);
    expect(backbone.countParams()).toBe(7_037_504);
    expect(backbone.countParams()).toBe(keras.totalParams);
    expect(trainableCount(backbone)).toBe(keras.trainableParams);
    backbone.dispose();
    // include_top adds 'avg_pool' and a 1024 → 1000 softmax: 1,024,000 + 1,000 parameters.
    const imagenet = buildDenseNet({ ...DENSENET_121_NO_TOP, head: 'imagenet', classes: 1000 });
    expect(imagenet.countParams()).toBe(8_062_504);
    expect(imagenet.layers.slice(-2).map((l) => l.name)).toEqual(['avg_pool', 'predictions']);
    expect(imagenet.outputs[0]?.shape).toEqual([null, 1000]);
    imagenet.dispose();
  });

  it('names the models and configs as Keras and the page do', () => {
    expect(describeDenseNet(DENSENET_121_BACKBONE)).toBe('DenseNet-121, 224 px');
    expect(describeDenseNet(DENSENET_QUICK)).toBe('DenseNet 2-2-2, growth 8, 32 px');
    const quick = buildDenseNet(DENSENET_QUICK);
    expect(quick.name).toBe('densenet');
    quick.dispose();
  });

  it('refuses an input too small for its downsamplings', () => {
    // Stem conv and pool1 each take s to ⌊(s - 1) / 2⌋ + 1 and the two transitions halve: 13 → 7 → 4
    // → 2 → 1 is the smallest input that keeps a pixel; 8 → 4 → 2 → 1 → 0 does not.
    expect(() => buildDenseNet({ ...DENSENET_QUICK, inputSize: 8 })).toThrow(
      /input size 8 is too small for 4 downsamplings.*at least 13 px/,
    );
    expect(() => buildDenseNet({ ...DENSENET_QUICK, blocks: [] })).toThrow(/dense block/);
  });
});

describe('buildDenseNet: the quick config', () => {
  it('predicts a softmax per image, and its parts compose to the same shapes', () => {
    const model = buildDenseNet(DENSENET_QUICK);
    const { backbone, head } = buildDenseNetParts(DENSENET_QUICK);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 7);
    const before = tf.memory().numTensors;
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 3]);
    const sums = tf.tidy(() => tf.sum(y, 1).arraySync() as number[]);
    for (const sum of sums) expect(sum).toBeCloseTo(1, 5);
    // 32 → 8 after the stem, → 4 → 2 after two transitions; channels 16 + 2·8 = 32 → 16 → 32.
    expect(backbone.outputs[0]?.shape).toEqual([null, 2, 2, 32]);
    expect(head.inputs[0]?.shape).toEqual(backbone.outputs[0]?.shape);
    expect(head.inputs[0]?.name).toMatch(/^features/);
    expect(head.layers.map((l) => l.name)).toEqual([
      'features',
      'avg_pool',
      'head_dropout',
      'predictions',
    ]);
    const features = backbone.predict(x) as tf.Tensor;
    const chained = head.predict(features) as tf.Tensor;
    expect(chained.shape).toEqual([2, 3]);
    tf.dispose([y, features, chained]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    [model, backbone, head].forEach((m) => m.dispose());
  });

  it('builds the seed head with flatten, fc1 and dropout', () => {
    const model = buildDenseNet({ ...DENSENET_QUICK, head: 'seed', dropout: 0.6 });
    expect(model.layers.slice(-4).map((l) => l.name)).toEqual([
      'flatten',
      'fc1',
      'head_dropout',
      'predictions',
    ]);
    expect(model.getLayer('head_dropout').getConfig().rate).toBe(0.6);
    // Flatten 2·2·32 = 128 → 1024 → 3.
    expect(model.getLayer('fc1').countParams()).toBe(128 * 1024 + 1024);
    model.dispose();
  });

  it('fits two steps without leaking tensors', async () => {
    const model = buildDenseNet(DENSENET_QUICK);
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = tf.randomUniform([4, 32, 32, 3], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    // The first fit creates the optimizer's slots; later ones must allocate nothing that stays.
    await model.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0 });
    const before = tf.memory().numTensors;
    const history = await model.fit(x, y, { batchSize: 2, epochs: 1, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    expect(history.history.loss?.[0]).toBeGreaterThan(0);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('threeClassProbabilities', () => {
  it('passes three probabilities through, and renormalises the first three of four', () => {
    const three = tf.tensor2d([[0.2, 0.5, 0.3]]);
    expect(threeClassProbabilities(three)).toBe(three);
    const logits = tf.tensor2d([
      [1, 2, 0.5, 3],
      [-1, 0, 4, -2],
    ]);
    const four = tf.softmax(logits) as tf.Tensor2D;
    const expected = tf.softmax(tf.slice(logits, [0, 0], [-1, 3]));
    const got = threeClassProbabilities(four);
    expect(got.shape).toEqual([2, 3]);
    // The softmax over the first three logits: the "other" class drops out of the comparison.
    const [a, b] = [got.arraySync().flat(), expected.arraySync().flat() as number[]];
    a.forEach((value, i) => expect(value).toBeCloseTo(b[i] as number, 6));
    expect(() => threeClassProbabilities(tf.zeros([1, 2]))).toThrow('3 or 4 class probabilities');
    tf.dispose([three, logits, four, expected, got]);
  });
});

describe('ImageNetNormalization', () => {
  it("maps 0..1 pixels as Keras' preprocess_input does in mode 'torch'", () => {
    const layer = new ImageNetNormalization();
    const x = tf.tensor4d([0.485, 0.456, 0.406, 1, 0, 1], [1, 1, 2, 3]);
    const y = layer.apply(x) as tf.Tensor;
    const values = Array.from(y.dataSync());
    [0, 0, 0, (1 - 0.485) / 0.229, -0.456 / 0.224, (1 - 0.406) / 0.225].forEach((v, i) =>
      expect(values[i]).toBeCloseTo(v, 5),
    );
    tf.dispose([x, y]);
  });

  it('saves and loads again with the model, giving the same prediction', async () => {
    const model = buildDenseNet({ ...DENSENET_QUICK, imagenetPreprocess: true });
    expect(model.layers[1]?.name).toBe('imagenet_preprocess');
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(JSON.stringify(saved?.modelTopology)).toContain('"class_name":"ImageNetNormalization"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.getLayer('imagenet_preprocess')).toBeInstanceOf(ImageNetNormalization);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(difference).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    loaded.dispose();
    model.dispose();
  });
});
