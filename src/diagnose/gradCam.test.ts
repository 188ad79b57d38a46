import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DENSENET_QUICK, buildDenseNet } from '../models/densenet.ts';
import { gradCam, heatInBox, heatToSize, splitAtLayer } from './gradCam.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SIZE = 16;
const SQUARE = 4;

/**
 * [16, 16, 3] → 1x1 conv 'detect' → 'relu' → 'avg_pool' → 2-way softmax 'predictions'. Filter 0
 * fires on bright red only (r - g - b - 0.5), filter 1 on any light (0.3 (r + g + b)); class 1's
 * logit grows with filter 0 and shrinks with filter 1, class 0's the other way round.
 */
function redSpotClassifier(): tf.LayersModel {
  const input = tf.input({ shape: [SIZE, SIZE, 3], name: 'image' });
  const layers = [
    tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'detect' }),
    tf.layers.activation({ activation: 'relu', name: 'relu' }),
    tf.layers.globalAveragePooling2d({ name: 'avg_pool' }),
    tf.layers.dense({ units: 2, activation: 'softmax', name: 'predictions' }),
  ];
  const output = layers.reduce((x, layer) => layer.apply(x) as tf.SymbolicTensor, input);
  const model = tf.model({ inputs: input, outputs: output, name: 'red_spot' });
  const weights = [
    tf.tensor4d([1, 0.3, -1, 0.3, -1, 0.3], [1, 1, 3, 2]),
    tf.tensor1d([-0.5, 0]),
    tf.tensor2d([-20, 20, 2, -2], [2, 2]),
    tf.tensor1d([0, 0]),
  ];
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** Dark noise (0..0.2 a channel) with a pure red 4x4 square whose top-left pixel is (row, col). */
function imageWithSquare(row: number, col: number): tf.Tensor4D {
  const pixels = tf.randomUniform([SIZE, SIZE, 3], 0, 0.2, 'float32', 11) as tf.Tensor3D;
  const values = pixels.arraySync();
  pixels.dispose();
  for (let r = row; r < row + SQUARE; r++) {
    for (let c = col; c < col + SQUARE; c++) {
      const line = values[r];
      if (line) line[c] = [1, 0, 0];
    }
  }
  return tf.tensor4d([values]);
}

/** The heat map's argmax as [row, col], and its means inside and outside the square. */
function inspect(heat: tf.Tensor2D, row: number, col: number) {
  const values = heat.arraySync();
  const flat = values.flat();
  const at = flat.indexOf(Math.max(...flat));
  let inside = 0;
  let outside = 0;
  values.forEach((line, r) =>
    line.forEach((v, c) => {
      const within = r >= row && r < row + SQUARE && c >= col && c < col + SQUARE;
      if (within) inside += v;
      else outside += v;
    }),
  );
  const area = SQUARE * SQUARE;
  return {
    argmax: [Math.floor(at / SIZE), at % SIZE],
    inside: inside / area,
    outside: outside / (SIZE * SIZE - area),
  };
}

function within(argmax: number[], row: number, col: number): boolean {
  const [r = -1, c = -1] = argmax;
  return r >= row && r < row + SQUARE && c >= col && c < col + SQUARE;
}

describe('gradCam on a hand-built classifier', () => {
  it('highlights the planted region, and follows it when it moves', () => {
    const model = redSpotClassifier();
    const split = splitAtLayer(model);
    expect(split.head.layers.map((l) => l.name)).toEqual([
      'relu_features',
      'avg_pool',
      'predictions',
    ]);
    for (const [row, col] of [
      [10, 2],
      [1, 11],
    ] as const) {
      const x = imageWithSquare(row, col);
      const cam = gradCam(split, x, 1);
      expect(cam.heat.shape).toEqual([SIZE, SIZE]);
      const found = inspect(cam.heat, row, col);
      expect(within(found.argmax, row, col)).toBe(true);
      expect(found.inside).toBeGreaterThan(0.8);
      expect(found.outside).toBeLessThan(0.1);
      expect(cam.heat.max().arraySync()).toBeCloseTo(1, 6);
      // The red square makes class 1 the likelier; class 0's map lights the dark background.
      const [p0 = 0, p1 = 0] = cam.probabilities.arraySync();
      expect(p1).toBeGreaterThan(p0);
      const other = gradCam(split, x, 0);
      const against = inspect(other.heat, row, col);
      expect(against.inside).toBeLessThan(0.01);
      expect(against.outside).toBeGreaterThan(0.1);
      expect(cam.positive.arraySync()).toBe(1);
      tf.dispose([
        x,
        cam.heat,
        cam.probabilities,
        cam.positive,
        other.heat,
        other.probabilities,
        other.positive,
      ]);
    }
    split.dispose();
    model.dispose();
  });

  it('says when no position argues for the class, and gives no NaN', () => {
    const model = redSpotClassifier();
    const split = splitAtLayer(model);
    // No red anywhere: filter 0 is silent and filter 1 argues against class 1 everywhere, evenly,
    // so the relative map is flat: zeros.
    const x = tf.fill([1, SIZE, SIZE, 3], 0.1) as tf.Tensor4D;
    const cam = gradCam(split, x, 1);
    expect(
      cam.heat
        .arraySync()
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    expect(cam.positive.arraySync()).toBe(0);
    tf.dispose([x, cam.heat, cam.probabilities, cam.positive]);
    split.dispose();
    model.dispose();
  });
});

describe('gradCam on the quick DenseNet (random weights)', () => {
  it('maps at the backbone resolution, with the probabilities of model.predict, leaking nothing', () => {
    const before = tf.memory().numTensors;
    // A high dropout rate: were it active, the probabilities would differ from predict's.
    const model = buildDenseNet({ ...DENSENET_QUICK, dropout: 0.9 });
    const split = splitAtLayer(model);
    expect(split.head.layers.map((l) => l.name).slice(1)).toEqual([
      'avg_pool',
      'head_dropout',
      'predictions',
    ]);
    expect(split.features.outputs[0]?.shape).toEqual([null, 2, 2, 32]);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const expected = model.predict(x) as tf.Tensor2D;
    const during = tf.memory().numTensors;
    const cam = gradCam(split, x, 1);
    // Three tensors out, nothing else left behind.
    expect(tf.memory().numTensors).toBe(during + 3);
    expect(cam.heat.shape).toEqual([2, 2]);
    const heat = cam.heat.arraySync().flat();
    for (const v of heat) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    const probabilities = cam.probabilities.arraySync();
    const predicted = expected.arraySync()[0] ?? [];
    expect(probabilities).toHaveLength(3);
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    probabilities.forEach((p, i) => expect(Math.abs(p - (predicted[i] ?? NaN))).toBeLessThan(1e-5));
    // The scores behind the map are the logits those probabilities come from.
    const fromLogits = tf.tidy(() =>
      tf.softmax(split.logits(split.features.predict(x) as tf.Tensor4D)).arraySync(),
    )[0];
    fromLogits?.forEach((p, i) => expect(p).toBeCloseTo(predicted[i] ?? NaN, 5));
    // Inference mode: the same map again.
    const again = gradCam(split, x, 1);
    expect(again.heat.arraySync().flat()).toEqual(heat);
    tf.dispose([
      x,
      expected,
      cam.heat,
      cam.probabilities,
      cam.positive,
      again.heat,
      again.probabilities,
      again.positive,
    ]);
    split.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('splits the seed head and a model with ImageNet preprocessing', () => {
    const seed = buildDenseNet({ ...DENSENET_QUICK, head: 'seed', imagenetPreprocess: true });
    const split = splitAtLayer(seed);
    expect(split.head.layers.map((l) => l.name).slice(1)).toEqual([
      'flatten',
      'fc1',
      'head_dropout',
      'predictions',
    ]);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const cam = gradCam(split, x, 2);
    expect(cam.heat.shape).toEqual([2, 2]);
    expect(cam.probabilities.sum().arraySync()).toBeCloseTo(1, 5);
    tf.dispose([x, cam.heat, cam.probabilities, cam.positive]);
    split.dispose();
    seed.dispose();
  });

  it('refuses a missing layer, a layer not followed by a chain, the output layer and bad inputs', () => {
    const model = buildDenseNet(DENSENET_QUICK);
    expect(() => splitAtLayer(model, 'nope')).toThrow(/no layer named 'nope'/);
    // After 'pool2_pool' come dense blocks, whose concatenations take two inputs.
    expect(() => splitAtLayer(model, 'pool2_pool')).toThrow(/not a simple chain.*concat/);
    expect(() => splitAtLayer(model, 'predictions')).toThrow(/no head follows/);
    const split = splitAtLayer(model);
    const two = tf.zeros([2, 32, 32, 3]) as tf.Tensor4D;
    expect(() => gradCam(split, two, 0)).toThrow(/one image/);
    const one = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    expect(() => gradCam(split, one, 3)).toThrow(/not in 0\.\.2/);
    tf.dispose([two, one]);
    split.dispose();
    model.dispose();
  });
});

describe('splitAtLayer and the shared weights', () => {
  it('leaves the classifier predicting after the split is disposed; both together free everything', () => {
    const before = tf.memory().numTensors;
    const model = buildDenseNet(DENSENET_QUICK);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 2);
    const first = model.predict(x) as tf.Tensor;
    const split = splitAtLayer(model);
    // The head adds no weights of its own: the same variables, not copies.
    const shared = model.getLayer('predictions').weights;
    expect(split.head.weights).toHaveLength(shared.length);
    split.head.weights.forEach((w, i) => expect(w).toBe(shared[i]));
    expect(tf.memory().numTensors).toBe(before + model.weights.length + 2);
    split.dispose();
    split.dispose(); // idempotent
    const second = model.predict(x) as tf.Tensor;
    expect(Array.from(second.dataSync())).toEqual(Array.from(first.dataSync()));
    // A second split after the first still finds the classifier's own chain.
    const again = splitAtLayer(model);
    again.dispose();
    tf.dispose([x, first, second]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('frees everything whichever is disposed first, and only both do', () => {
    const before = tf.memory().numTensors;
    const model = buildDenseNet(DENSENET_QUICK);
    const split = splitAtLayer(model);
    const headWeights = model.getLayer('predictions').weights.length;
    model.dispose();
    // The head still holds 'predictions': its kernel and bias outlive the classifier's dispose.
    expect(tf.memory().numTensors).toBe(before + headWeights);
    split.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the classifier saving and loading the same after a split', async () => {
    const model = buildDenseNet(DENSENET_QUICK);
    const split = splitAtLayer(model);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    const x = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 4);
    const [a, b] = [model, loaded].map((m) => m.predict(x) as tf.Tensor);
    expect(Array.from(b?.dataSync() ?? [])).toEqual(Array.from(a?.dataSync() ?? []));
    tf.dispose([x, a, b] as tf.Tensor[]);
    [split, model, loaded].forEach((m) => m.dispose());
  });
});

describe('heatToSize', () => {
  it('resizes bilinearly to the photo, within 0..1, leaking nothing', () => {
    const heat = tf.tensor2d([
      [1, 0],
      [0, 0],
    ]);
    const before = tf.memory().numTensors;
    const big = heatToSize(heat, 6, 8);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(big.shape).toEqual([6, 8]);
    const values = big.arraySync();
    // Half-pixel centres: the corner pixels keep their cells' values; the gradient runs between.
    expect(values[0]?.[0]).toBeCloseTo(1, 6);
    expect(values[5]?.[7]).toBeCloseTo(0, 6);
    const top = values[0] ?? [];
    for (let c = 1; c < top.length; c++) expect(top[c]).toBeLessThanOrEqual(top[c - 1] ?? 0);
    for (const v of values.flat()) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(() => heatToSize(heat, 0, 8)).toThrow(/positive/);
    tf.dispose([heat, big]);
  });
});

describe('heatInBox', () => {
  it('places the map of a crop on its square of the image, zero elsewhere', () => {
    const heat = tf.tensor2d([
      [1, 1],
      [1, 1],
    ]);
    const framed = heatInBox(heat, { x: 4, y: 2, side: 6 }, SIZE);
    const values = framed.arraySync();
    expect(framed.shape).toEqual([SIZE, SIZE]);
    expect(values[2]?.[4]).toBeCloseTo(1, 6);
    expect(values[7]?.[9]).toBeCloseTo(1, 6);
    expect(values[1]?.[4]).toBe(0);
    expect(values[2]?.[10]).toBe(0);
    expect(values.flat().filter((v) => v > 0.5)).toHaveLength(36);
    const whole = heatInBox(heat, { x: 0, y: 0, side: SIZE }, SIZE);
    expect(whole.arraySync()).toEqual(heat.arraySync());
    tf.dispose([heat, framed, whole]);
  });
});
