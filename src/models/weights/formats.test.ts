/**
 * One DenseNet-121's weights written in each format a lab has (Keras 2 legacy `.h5`, Keras 3
 * `.weights.h5` without layer names, torchvision `.safetensors`), read back by the app's readers and
 * copied into a fresh model: every layer loads, and the model predicts exactly as the original (the
 * tfjs Layers path). The writers lay the files out as Keras and PyTorch do (testKerasH5.ts,
 * testSafetensors.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BytesBlob, standInWorkerFs, writeHdf5 } from '../../lib/testHdf5.ts';
import { buildDenseNet } from '../densenet.ts';
import { DENSENET_121_BACKBONE } from '../densenetConfig.ts';
import { copyWeightsFromFile } from '../importWeights.ts';
import { openKerasWeights } from './kerasH5.ts';
import { openSafetensors } from './safetensors.ts';
import { writeKeras3, writeLegacyLayers } from './testKerasH5.ts';
import { torchvisionSafetensors } from './testSafetensors.ts';
import type { WeightFile } from './weightFile.ts';

/** Input size only changes activations, not weights: small keeps the forward passes quick. */
const CONFIG = { ...DENSENET_121_BACKBONE, head: 'none' as const, inputSize: 64 };
const BN_VARS = ['gamma', 'beta', 'moving_mean', 'moving_variance'];

let original: tf.LayersModel;
let layers: { name: string; className: string; values: Float32Array[]; shapes: number[][] }[];
let expected: Float32Array;
const input = () => tf.randomUniform([2, 64, 64, 3], 0, 1, 'float32', 5);

beforeAll(async () => {
  await tf.setBackend('cpu');
  standInWorkerFs();
  original = buildDenseNet(CONFIG);
  const values = original.weights.map((w, i) =>
    w.name.includes('moving_variance')
      ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', i)
      : tf.randomUniform(w.shape as number[], -0.1, 0.1, 'float32', i),
  );
  original.setWeights(values);
  tf.dispose(values);
  layers = original.layers
    .filter((layer) => layer.weights.length > 0)
    .map((layer) => ({
      name: layer.name,
      className: layer.getClassName(),
      values: layer.getWeights().map((w) => w.dataSync() as Float32Array),
      shapes: layer.weights.map((w) => w.shape as number[]),
    }));
  expected = tf.tidy(() => (original.predict(input()) as tf.Tensor).dataSync() as Float32Array);
});

afterAll(() => original.dispose());

/** Copies `file` into a fresh DenseNet-121 and returns the report and its largest deviation. */
function load(file: WeightFile) {
  const fresh = buildDenseNet(CONFIG);
  try {
    const report = copyWeightsFromFile(file, fresh);
    const got = tf.tidy(() => (fresh.predict(input()) as tf.Tensor).dataSync() as Float32Array);
    const deviation = got.reduce(
      (most, v, i) => Math.max(most, Math.abs(v - (expected[i] ?? 0))),
      0,
    );
    return { report, deviation };
  } finally {
    fresh.dispose();
    file.close();
  }
}

const varName = (layer: (typeof layers)[number], k: number) =>
  layer.className === 'Conv2D' ? 'kernel' : (BN_VARS[k] ?? String(k));

describe('a DenseNet-121 from each weight format', () => {
  it('Keras 2 legacy .h5: 241 of 241 layers, the same predictions', async () => {
    const blob = await writeHdf5((file) =>
      writeLegacyLayers(
        file,
        layers.map((layer) => ({
          name: layer.name,
          weights: layer.values.map((values, k) => ({
            name: `${layer.name}/${varName(layer, k)}:0`,
            shape: layer.shapes[k] as number[],
            values,
          })),
        })),
      ),
    );
    const { report, deviation } = load(await openKerasWeights('densenet121_notop.h5', blob));
    expect(report.matched).toHaveLength(241);
    expect(report.missingInSource).toEqual([]);
    expect(deviation).toBeLessThan(1e-5);

    // Cut short (a download that stopped): refused when opened, before any layer is copied.
    const bytes = (blob as unknown as BytesBlob).bytes;
    const cut = new BytesBlob(bytes.slice(0, bytes.length - 1000)) as unknown as Blob;
    await expect(openKerasWeights('densenet121_notop.h5', cut)).rejects.toThrow(
      'densenet121_notop.h5: a damaged HDF5 file',
    );
  });

  it('Keras 3 .weights.h5 (groups by class and counter, matched by order): the same predictions', async () => {
    const counters = new Map<string, number>();
    const blob = await writeHdf5((file) =>
      writeKeras3(
        file,
        layers.map((layer) => {
          const kind = layer.className === 'Conv2D' ? 'conv2d' : 'batch_normalization';
          const n = counters.get(kind) ?? 0;
          counters.set(kind, n + 1);
          return {
            path: n === 0 ? kind : `${kind}_${n}`,
            vars: layer.values.map((values, k) => ({
              name: String(k),
              shape: layer.shapes[k] as number[],
              values,
            })),
          };
        }),
      ),
    );
    const file = await openKerasWeights('densenet121.weights.h5', blob);
    expect(file.match).toBe('order');
    const { report, deviation } = load(file);
    expect(report.matched).toHaveLength(241);
    expect(deviation).toBeLessThan(1e-5);
  });

  it('torchvision .safetensors (OIHW kernels, running statistics): the same predictions', async () => {
    const bytes = torchvisionSafetensors(layers);
    const file = await openSafetensors(
      'densenet121.safetensors',
      new BytesBlob(bytes) as unknown as Blob,
      (blob) => (blob as unknown as BytesBlob).bytes.slice().buffer,
    );
    const { report, deviation } = load(file);
    expect(report.matched).toHaveLength(241);
    expect(report.unusedInSource).toEqual([]);
    expect(deviation).toBeLessThan(1e-5);
  });
});
