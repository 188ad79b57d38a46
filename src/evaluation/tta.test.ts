import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  TTA_VIEWS,
  dihedralBatch,
  dihedralView,
  modelPredict,
  predictTta,
  ttaOfBatch,
} from './tta.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const N = 5;

/** A batch of one n×n single-channel image, 1 at (row, col) and 0 elsewhere. */
function hotPixel(row: number, col: number, n = N): tf.Tensor4D {
  const data = new Float32Array(n * n);
  data[row * n + col] = 1;
  return tf.tensor4d(data, [1, n, n, 1]);
}

/** Where the 1 of a one-hot image batch of one is, as `row,col`. */
function where(x: tf.Tensor4D): string {
  const data = x.dataSync();
  const index = data.indexOf(1);
  return `${Math.floor(index / N)},${index % N}`;
}

/** The pixel positions of view `view` of every pixel, as one string (the view as a map). */
function asMap(view: number): string {
  const out: string[] = [];
  for (let p = 0; p < N * N; p++) {
    const x = hotPixel(Math.floor(p / N), p % N);
    out.push(tf.tidy(() => where(dihedralView(x, view))));
    x.dispose();
  }
  return out.join(' ');
}

/**
 * An image classifier [s, s, c] → 3 probabilities that sees where things are: a dense layer over
 * the flattened pixels, so each view of an image scores differently.
 */
function positionalModel(size: number, channels: number): tf.LayersModel {
  const input = tf.input({ shape: [size, size, channels] });
  const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: 'glorotNormal' })
    .apply(flat) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

/** A classifier that pools over space first, hence blind to flips and rotations. */
function invariantModel(size: number, channels: number): tf.LayersModel {
  const input = tf.input({ shape: [size, size, channels] });
  const pooled = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({ units: 3, activation: 'softmax', kernelInitializer: 'glorotNormal' })
    .apply(pooled) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

describe('dihedralView', () => {
  it('moves one hot pixel to 8 distinct places, the identity first', () => {
    const x = hotPixel(0, 1);
    const places = tf.tidy(() =>
      Array.from({ length: TTA_VIEWS }, (_, view) => where(dihedralView(x, view))),
    );
    expect(places[0]).toBe('0,1');
    expect(new Set(places).size).toBe(8);
    // Each view is a quarter turn k times (k = view % 4), flipped left to right from view 4.
    expect(places).toEqual(['0,1', '1,4', '4,3', '3,0', '0,3', '1,0', '4,1', '3,4']);
    x.dispose();
  });

  it('is the dihedral group: four quarter turns are the identity, every view undone by one', () => {
    const identity = asMap(0);
    const maps = Array.from({ length: TTA_VIEWS }, (_, view) => asMap(view));
    expect(new Set(maps).size).toBe(8);
    const x = tf.tensor4d(
      Array.from({ length: 2 * N * N * 3 }, (_, i) => i),
      [2, N, N, 3],
    );
    tf.tidy(() => {
      let y: tf.Tensor4D = x;
      for (let i = 0; i < 4; i++) y = dihedralView(y, 1);
      expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
      // Two quarter turns are the half turn; the flip is its own inverse.
      expect(Array.from(dihedralView(dihedralView(x, 1), 1).dataSync())).toEqual(
        Array.from(dihedralView(x, 2).dataSync()),
      );
      expect(Array.from(dihedralView(dihedralView(x, 4), 4).dataSync())).toEqual(
        Array.from(x.dataSync()),
      );
      // Each view moves pixels (all channels alike), one image of the batch at a time.
      for (let view = 0; view < TTA_VIEWS; view++) {
        const v = dihedralView(x, view);
        expect(v.shape).toEqual([2, N, N, 3]);
        const sorted = (t: tf.Tensor) => Array.from(t.dataSync()).sort((a, b) => a - b);
        expect(sorted(tf.slice(v, [1, 0, 0, 0], [1, -1, -1, -1]))).toEqual(
          sorted(tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1])),
        );
      }
    });
    expect(identity.split(' ')[7]).toBe('1,2');
    x.dispose();
    expect(() => dihedralView(x, 8)).toThrow(RangeError);
  });
});

describe('predictTta', () => {
  it('gives the identity view as plain and the mean of the 8 views, leaving no tensor', () => {
    const model = positionalModel(N, 3);
    const x = tf.randomUniform([2, N, N, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const { plain, mean } = predictTta(modelPredict(model), x);
    const direct = tf.tidy(() => model.predict(x) as tf.Tensor2D);
    expect(plain.shape).toEqual([2, 3]);
    expect(Array.from(plain.dataSync())).toEqual(Array.from(direct.dataSync()));
    const expected = tf.tidy(() =>
      tf.div(
        tf.addN(
          Array.from(
            { length: TTA_VIEWS },
            (_, view) => model.predict(dihedralView(x, view)) as tf.Tensor2D,
          ),
        ),
        TTA_VIEWS,
      ),
    );
    const got = Array.from(mean.dataSync());
    Array.from(expected.dataSync()).forEach((e, i) => expect(got[i]).toBeCloseTo(e, 6));
    // The positional model scores the views differently: the mean is not the plain prediction.
    expect(got.some((m, i) => Math.abs(m - (plain.dataSync()[i] as number)) > 1e-4)).toBe(true);
    tf.dispose([plain, mean, direct, expected]);
    expect(tf.memory().numTensors).toBe(before);

    // The same from one batch of the 8 views (Diagnose's way).
    const all = tf.tidy(() => model.predict(dihedralBatch(x)) as tf.Tensor2D);
    expect(all.shape).toEqual([16, 3]);
    const batched = ttaOfBatch(all);
    const again = predictTta(modelPredict(model), x);
    const close = (a: tf.Tensor, b: tf.Tensor) =>
      Array.from(a.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(b.dataSync()[i] ?? NaN, 6));
    close(batched.plain, again.plain);
    close(batched.mean, again.mean);
    tf.dispose([all, batched.plain, batched.mean, again.plain, again.mean, x]);
    expect(tf.memory().numTensors).toBe(before - 1);
    model.dispose();
  });

  it('changes nothing for a model blind to flips and rotations', () => {
    const model = invariantModel(N, 3);
    const x = tf.randomUniform([3, N, N, 3], 0, 1, 'float32', 11) as tf.Tensor4D;
    const { plain, mean } = predictTta(modelPredict(model), x);
    const p = plain.dataSync();
    Array.from(mean.dataSync()).forEach((m, i) => expect(m).toBeCloseTo(p[i] as number, 6));
    tf.dispose([plain, mean, x]);
    model.dispose();
  });
});
