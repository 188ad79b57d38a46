import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ColorConstancy, DENSENET_QUICK, buildDenseNet } from './densenet.ts';
import { DENSENET_CPU } from './densenetConfig.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const maxDifference = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

describe('ColorConstancy (shades of grey)', () => {
  it('gives the same colours under a yellower or bluer light', () => {
    const layer = new ColorConstancy();
    // A lesion-like image well inside 0..1, so no channel clips under either light.
    const scene = tf.randomUniform([2, 8, 8, 3], 0.1, 0.6, 'float32', 3);
    const yellow = tf.mul(scene, tf.tensor1d([1.2, 1.05, 0.7]));
    const blue = tf.mul(scene, tf.tensor1d([0.8, 0.95, 1.3]));
    const [a, b] = [layer.apply(yellow) as tf.Tensor, layer.apply(blue) as tf.Tensor];
    // Equal up to one brightness factor per image (the mean light is kept): a / b is constant.
    const ratio = tf.div(a, b);
    const spread = tf.tidy(() => tf.sub(tf.max(ratio, [1, 2, 3]), tf.min(ratio, [1, 2, 3])));
    expect(Math.max(...spread.dataSync())).toBeLessThan(1e-4);
    expect(maxDifference(a, b)).toBeLessThan(0.05);
    // It changed the tinted photos: yellow's red went down and its blue up.
    expect(maxDifference(a, yellow)).toBeGreaterThan(0.01);
    tf.dispose([scene, yellow, blue, a, b, ratio, spread]);
  });

  it('leaves a grey-lit image as it is, and black (a mask outside) black', () => {
    const layer = new ColorConstancy();
    const grey = tf.tidy(() =>
      tf.tile(tf.randomUniform([1, 6, 6, 1], 0, 0.9, 'float32', 4), [1, 1, 1, 3]),
    );
    const out = layer.apply(grey) as tf.Tensor;
    expect(maxDifference(out, grey)).toBeLessThan(1e-4);
    const masked = tf.concat([tf.zeros([1, 6, 3, 3]), tf.fill([1, 6, 3, 3], 0.4)], 2);
    const kept = layer.apply(masked) as tf.Tensor;
    const black = tf.slice(kept, [0, 0, 0, 0], [1, 6, 3, 3]);
    expect(tf.max(black).dataSync()[0]).toBe(0);
    tf.dispose([grey, out, masked, kept, black]);
  });

  it('is the first layer of the cpu preset and saves and loads with the model', async () => {
    expect(DENSENET_CPU.colorConstancy).toBe(true);
    const model = buildDenseNet({ ...DENSENET_QUICK, colorConstancy: true });
    expect(model.layers[1]?.name).toBe('color_constancy');
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.getLayer('color_constancy')).toBeInstanceOf(ColorConstancy);
    const x = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 5);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(maxDifference(a, b)).toBeLessThan(1e-6);
    tf.dispose([x, a, b]);
    loaded.dispose();
    model.dispose();
  });
});
