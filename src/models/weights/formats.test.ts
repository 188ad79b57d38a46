/**
 * One DenseNet-121's weights written in each format a lab has (Keras 2 legacy `.h5`, Keras 3
 * `.weights.h5` without layer names, torchvision `.safetensors`), read back by the app's readers and
 * copied into a fresh model: every layer loads, and the model predicts exactly as the original (the
 * tfjs Layers path). The writers lay the files out as Keras and PyTorch do; the torchvision names
 * and OIHW kernels are derived here from the Keras ones, independently of the reader's mapping.
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

/** torchvision's name for a Keras DenseNet-121 layer (features.denseblock1.denselayer1.conv1 …). */
function torchName(keras: string): string {
  if (keras === 'conv1/conv') return 'features.conv0';
  if (keras === 'conv1/bn') return 'features.norm0';
  if (keras === 'bn') return 'features.norm5';
  const block = /^conv(\d)_block(\d+)_(0_bn|1_conv|1_bn|2_conv)$/.exec(keras);
  if (block) {
    const part = { '0_bn': 'norm1', '1_conv': 'conv1', '1_bn': 'norm2', '2_conv': 'conv2' }[
      block[3] as '0_bn'
    ];
    return `features.denseblock${Number(block[1]) - 1}.denselayer${block[2]}.${part}`;
  }
  const transition = /^pool(\d)_(bn|conv)$/.exec(keras);
  if (transition) {
    return `features.transition${Number(transition[1]) - 1}.${transition[2] === 'bn' ? 'norm' : 'conv'}`;
  }
  throw new Error(`no torchvision name for ${keras}`);
}

/** HWIO to OIHW. */
function oihw(values: Float32Array, [h, w, i, o]: number[]): Float32Array {
  const out = new Float32Array(values.length);
  const [H, W, I, O] = [h ?? 0, w ?? 0, i ?? 0, o ?? 0];
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      for (let c = 0; c < I; c++)
        for (let f = 0; f < O; f++)
          out[((f * I + c) * H + y) * W + x] = values[((y * W + x) * I + c) * O + f] ?? 0;
  return out;
}

function safetensorsBytes(): Uint8Array {
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  for (const layer of layers) {
    const base = torchName(layer.name);
    if (layer.className === 'Conv2D') {
      const [h, w, i, o] = layer.shapes[0] as number[];
      tensors.push({
        name: `${base}.weight`,
        shape: [o, i, h, w] as number[],
        data: oihw(layer.values[0] as Float32Array, layer.shapes[0] as number[]),
      });
    } else {
      ['weight', 'bias', 'running_mean', 'running_var'].forEach((suffix, k) =>
        tensors.push({
          name: `${base}.${suffix}`,
          shape: layer.shapes[k] as number[],
          data: layer.values[k] as Float32Array,
        }),
      );
    }
  }
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = {
      dtype: 'F32',
      shape: t.shape,
      data_offsets: [offset, offset + t.data.byteLength],
    };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
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
    const bytes = safetensorsBytes();
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
