/**
 * The seed's own Keras 2 models (`model.save('x.h5')`) rebuilt by the app: the classifier and the
 * SegNet, with the layer names Keras's counters give in the seed's scripts, predict exactly as the
 * models whose weights were written; files the app cannot rebuild are refused with the reason.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { kerasCounterNames, kerasModelFile } from '../../scripts/synthetic-weights/kerasModels.ts';
import { BytesBlob, standInWorkerFs } from '../lib/testHdf5.ts';
import { buildDenseNet } from '../models/densenet.ts';
import { buildSegNet } from '../models/segnet.ts';
import { PRESET_TABLE } from '../pipeline/presets.ts';
import { loadKerasModel } from './kerasModel.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
  standInWorkerFs();
});

function randomize(model: tf.LayersModel): void {
  const values = model.weights.map((w, i) =>
    w.name.includes('moving_variance')
      ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', i)
      : tf.randomUniform(w.shape as number[], -0.1, 0.1, 'float32', i),
  );
  model.setWeights(values);
  tf.dispose(values);
}

const blobOf = (bytes: Uint8Array) => new BytesBlob(bytes) as unknown as Blob;

function deviation(a: tf.LayersModel, b: tf.LayersModel, size: number): number {
  return tf.tidy(() => {
    const x = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 9);
    const diff = tf.abs(tf.sub(a.predict(x) as tf.Tensor, b.predict(x) as tf.Tensor));
    return tf.max(diff).dataSync()[0] as number;
  });
}

describe('loadKerasModel', () => {
  it('rebuilds the seed classifier (DenseNet121, Flatten, Dense 1024, Dropout, Dense 3)', async () => {
    const size = 32;
    const original = buildDenseNet({ ...PRESET_TABLE.seed.classifier.model, inputSize: size });
    randomize(original);
    const head = new Set(['flatten', 'fc1', 'head_dropout', 'predictions']);
    const bytes = await kerasModelFile(
      original,
      kerasCounterNames(original, (n) => !head.has(n)),
    );
    const { architecture, model, report } = await loadKerasModel('melanoma.h5', blobOf(bytes));
    expect(architecture).toEqual({
      kind: 'classifier',
      inputSize: size,
      dropout: 0.6,
      head: 'seed',
    });
    expect(report.matched).toHaveLength(243);
    expect(deviation(original, model, size)).toBeLessThan(1e-5);
    original.dispose();
    model.dispose();
  });

  it('rebuilds the seed SegNet, every layer named by Keras counters', async () => {
    const config = { ...PRESET_TABLE.seed.segnet.model, inputSize: 32 };
    const original = buildSegNet(config);
    randomize(original);
    const bytes = await kerasModelFile(
      original,
      kerasCounterNames(original, () => false),
    );
    const { architecture, model } = await loadKerasModel('segnet.h5', blobOf(bytes));
    expect(architecture).toEqual({ kind: 'segnet', config });
    expect(deviation(original, model, 32)).toBeLessThan(1e-5);
    original.dispose();
    model.dispose();
  });

  it('refuses weights without a model, and a model the app cannot rebuild', async () => {
    const segnet = buildSegNet({ inputSize: 16, encoder: [[4], [8]] });
    const odd = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [4], units: 5, name: 'dense_1' })],
    });
    const bytes = await kerasModelFile(odd);
    await expect(loadKerasModel('odd.h5', blobOf(bytes))).rejects.toThrow(
      /odd\.h5 is not a model the app can rebuild: .*units, not the 3 classes|odd\.h5 is not a model the app can rebuild: its input/,
    );
    const { writeHdf5 } = await import('../lib/testHdf5.ts');
    const { writeLegacyLayers } = await import('../models/weights/testKerasH5.ts');
    const weightsOnly = await writeHdf5((file) =>
      writeLegacyLayers(file, [
        { name: 'dense_1', weights: [{ name: 'dense_1/kernel:0', shape: [4, 5] }] },
      ]),
    );
    await expect(loadKerasModel('weights.h5', weightsOnly)).rejects.toThrow(
      'weights.h5 holds weights only, without the model (no model_config)',
    );
    segnet.dispose();
    odd.dispose();
  });
});
