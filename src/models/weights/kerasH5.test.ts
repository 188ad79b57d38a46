/**
 * The Keras HDF5 reader on files written here with h5wasm in Keras' layouts (testKerasH5.ts),
 * read through WORKERFS as in the browser (lib/testHdf5.ts stands in what Node lacks).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { BytesBlob, counter, groupAt, standInWorkerFs, writeHdf5 } from '../../lib/testHdf5.ts';
import densenet121 from '../densenet121.keras-layers.json';
import {
  kerasClassName,
  openKerasWeights,
  KERAS_3_FORMAT,
  KERAS_LEGACY_FORMAT,
  KERAS_LEGACY_MODEL_FORMAT,
} from './kerasH5.ts';
import {
  denseNet121Layers,
  ramp,
  stringAttribute,
  writeKeras3,
  writeLegacyLayers,
  type StringKind,
  type TestLayer,
} from './testKerasH5.ts';
import { WeightFileError } from './weightFile.ts';

beforeAll(standInWorkerFs);

/** A small Keras 2 model: a conv with bias, its batch norm, a ReLU, a nested-name conv, a dense. */
const small: TestLayer[] = [
  { name: 'input_1', weights: [] },
  {
    name: 'conv1/conv',
    weights: [
      { name: 'conv1/conv/kernel:0', shape: [3, 3, 3, 4], values: ramp(108, 1) },
      { name: 'conv1/conv/bias:0', shape: [4], values: ramp(4, 2) },
    ],
  },
  {
    name: 'conv1/bn',
    weights: ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w, i) => ({
      name: `conv1/bn/${w}:0`,
      shape: [4],
      values: ramp(4, 10 * (i + 1)),
    })),
  },
  { name: 'conv1/relu', weights: [] },
  {
    name: 'predictions',
    weights: [
      { name: 'predictions/kernel:0', shape: [4, 2], values: ramp(8, 5) },
      { name: 'predictions/bias:0', shape: [2], values: ramp(2, 6) },
    ],
  },
];

const expectedShapes = [
  { name: 'conv1/conv', shapes: [[3, 3, 3, 4], [4]] },
  { name: 'conv1/bn', shapes: [[4], [4], [4], [4]] },
  { name: 'predictions', shapes: [[4, 2], [2]] },
];

describe('openKerasWeights: Keras 2 legacy weights', () => {
  for (const strings of ['ascii', 'utf8', 'vlen'] as StringKind[]) {
    it(`lists layers with weights by name, nested names and all (${strings} string attributes)`, async () => {
      const blob = await writeHdf5((file) => writeLegacyLayers(file, small, { strings }));
      const weights = await openKerasWeights('downloads/model.h5', blob);
      expect(weights.format).toBe(KERAS_LEGACY_FORMAT);
      expect(weights.match).toBe('name');
      expect(weights.kerasVersion).toBe('2.13.1');
      expect(weights.modelConfig).toBeUndefined();
      expect(weights.layers.map(({ name, shapes }) => ({ name, shapes }))).toEqual(expectedShapes);
      expect(weights.layers.every((layer) => layer.className === undefined)).toBe(true);
      weights.close();
    });
  }

  it('reads a layer’s values exactly, batch norm in gamma, beta, moving mean, variance order', async () => {
    const blob = await writeHdf5((file) => writeLegacyLayers(file, small));
    const weights = await openKerasWeights('model.h5', blob);
    const [conv, bn] = weights.layers;
    expect(conv?.read()).toEqual([ramp(108, 1), ramp(4, 2)]);
    const values = bn?.read() ?? [];
    expect(values).toEqual([ramp(4, 10), ramp(4, 20), ramp(4, 30), ramp(4, 40)]);
    expect(values.every((v) => v instanceof Float32Array)).toBe(true);
    weights.close();
  });

  it('reads only the layer asked for', async () => {
    const big: TestLayer[] = Array.from({ length: 8 }, (_, i) => ({
      name: `dense_${i}`,
      weights: [{ name: `dense_${i}/kernel:0`, shape: [256, 256], values: ramp(65536, i) }],
    }));
    const blob = (await writeHdf5((file) => writeLegacyLayers(file, big))) as unknown as BytesBlob;
    counter.bytesRead = 0;
    const weights = await openKerasWeights('big.h5', blob as unknown as Blob);
    const opened = counter.bytesRead;
    expect(opened).toBeLessThan(blob.size / 4);
    expect(weights.layers[5]?.read()).toEqual([ramp(65536, 5)]);
    // One 256 KB kernel and what leads to it, not the 2 MB file.
    expect(counter.bytesRead - opened).toBeLessThan(blob.size / 4);
    weights.close();
  });

  it('converts float64 weights to float32', async () => {
    const layers: TestLayer[] = [
      {
        name: 'dense',
        weights: [
          { name: 'dense/kernel:0', shape: [2, 2], values: new Float64Array([1.5, -2, 3, 0.25]) },
        ],
      },
    ];
    const weights = await openKerasWeights(
      'f64.h5',
      await writeHdf5((file) => writeLegacyLayers(file, layers)),
    );
    expect(weights.layers[0]?.read()).toEqual([new Float32Array([1.5, -2, 3, 0.25])]);
    weights.close();
  });

  it('joins layer_names split into chunks (layer_names0, layer_names1)', async () => {
    const blob = await writeHdf5((file) => {
      writeLegacyLayers(file, small);
      file.delete_attribute('layer_names');
      file.create_attribute('layer_names0', ['input_1', 'conv1/conv'], [2], 'A10');
      file.create_attribute('layer_names1', ['conv1/bn', 'conv1/relu', 'predictions'], [3], 'A11');
    });
    const weights = await openKerasWeights('chunked.h5', blob);
    expect(weights.layers.map((layer) => layer.name)).toEqual([
      'conv1/conv',
      'conv1/bn',
      'predictions',
    ]);
    weights.close();
  });

  it('lists all 241 weighted layers of DenseNet-121 (no top) with their shapes', async () => {
    const layers = denseNet121Layers(densenet121.layers);
    expect(layers).toHaveLength(427);
    const blob = (await writeHdf5((file) =>
      writeLegacyLayers(file, layers),
    )) as unknown as BytesBlob;
    const weights = await openKerasWeights(
      'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5',
      blob as unknown as Blob,
    );
    const weighted = layers.filter((layer) => layer.weights.length > 0);
    expect(weights.layers).toHaveLength(241);
    expect(weights.layers.map(({ name, shapes }) => ({ name, shapes }))).toEqual(
      weighted.map(({ name, weights: w }) => ({ name, shapes: w.map((x) => x.shape) })),
    );
    const count = (shapes: number[][]) =>
      shapes.reduce((sum, shape) => sum + shape.reduce((a, b) => a * b, 1), 0);
    expect(weights.layers.reduce((sum, layer) => sum + count(layer.shapes), 0)).toBe(
      densenet121.totalParams,
    );
    expect(weights.layers[0]).toMatchObject({ name: 'conv1/conv', shapes: [[7, 7, 3, 64]] });
    expect(weights.layers.at(-1)).toMatchObject({
      name: 'bn',
      shapes: [[1024], [1024], [1024], [1024]],
    });
    expect(weights.layers.find((l) => l.name === 'pool4_conv')?.shapes).toEqual([
      [1, 1, 1024, 512],
    ]);
    expect(weights.layers.at(-2)?.read()[0]).toEqual(new Float32Array(3 * 3 * 128 * 32));
    weights.close();
  });
});

describe('openKerasWeights: Keras 2 nested model', () => {
  it('lists a nested model’s layers apart, each batch norm’s weights back in order', async () => {
    const bnWeight = (layer: string, w: string, seed: number) => ({
      name: `${layer}/${w}:0`,
      shape: [4],
      values: ramp(4, seed),
    });
    // Keras 2 lists a nested model's trainable weights, then its non-trainable ones.
    const layers: TestLayer[] = [
      { name: 'input_1', weights: [] },
      {
        name: 'densenet121',
        weights: [
          { name: 'conv1/conv/kernel:0', shape: [3, 3, 3, 4], values: ramp(108, 1) },
          bnWeight('conv1/bn', 'gamma', 2),
          bnWeight('conv1/bn', 'beta', 3),
          bnWeight('bn', 'gamma', 4),
          bnWeight('bn', 'beta', 5),
          bnWeight('conv1/bn', 'moving_mean', 6),
          bnWeight('conv1/bn', 'moving_variance', 7),
          bnWeight('bn', 'moving_mean', 8),
          bnWeight('bn', 'moving_variance', 9),
        ],
      },
      {
        name: 'dense',
        weights: [
          { name: 'dense/kernel:0', shape: [4, 2], values: ramp(8, 10) },
          { name: 'dense/bias:0', shape: [2], values: ramp(2, 11) },
        ],
      },
    ];
    const weights = await openKerasWeights(
      'sequential.h5',
      await writeHdf5((file) => writeLegacyLayers(file, layers)),
    );
    expect(weights.layers.map(({ name, shapes }) => ({ name, shapes }))).toEqual([
      { name: 'conv1/conv', shapes: [[3, 3, 3, 4]] },
      { name: 'conv1/bn', shapes: [[4], [4], [4], [4]] },
      { name: 'bn', shapes: [[4], [4], [4], [4]] },
      { name: 'dense', shapes: [[4, 2], [2]] },
    ]);
    expect(weights.layers[1]?.read()).toEqual([2, 3, 6, 7].map((seed) => ramp(4, seed)));
    expect(weights.layers[2]?.read()).toEqual([4, 5, 8, 9].map((seed) => ramp(4, seed)));
    weights.close();
  });
});

describe('openKerasWeights: Keras 2 whole model', () => {
  it('reads weights under /model_weights and parses model_config', async () => {
    const config = {
      class_name: 'Functional',
      config: {
        name: 'densenet121',
        layers: [{ class_name: 'Conv2D', name: 'conv1/conv' }],
        // DenseNet-121's config is some 200 KB: over HDF5's 64 KB compact attribute limit.
        padding: 'x'.repeat(100_000),
      },
    };
    const blob = await writeHdf5((file) => {
      writeLegacyLayers(groupAt(file, 'model_weights'), small);
      stringAttribute(file, 'model_config', JSON.stringify(config));
      stringAttribute(file, 'keras_version', '2.4.0');
      stringAttribute(file, 'backend', 'tensorflow');
      stringAttribute(file, 'training_config', '{"loss": "categorical_crossentropy"}');
      groupAt(file, 'optimizer_weights/Adam');
    });
    const weights = await openKerasWeights('model.h5', blob);
    expect(weights.format).toBe(KERAS_LEGACY_MODEL_FORMAT);
    expect(weights.match).toBe('name');
    expect(weights.modelConfig).toEqual(config);
    expect(weights.kerasVersion).toBe('2.4.0');
    expect(weights.layers.map(({ name, shapes }) => ({ name, shapes }))).toEqual(expectedShapes);
    expect(weights.layers[1]?.read()[3]).toEqual(ramp(4, 40));
    weights.close();
  });
});

describe('openKerasWeights: Keras 3 .weights.h5', () => {
  const conv = (path: string, channels: number, name?: string) => ({
    path,
    ...(name !== undefined && { name }),
    vars: [
      { name: '0', shape: [1, 1, 3, channels], values: ramp(3 * channels, channels) },
      { name: '1', shape: [channels], values: ramp(channels, -channels) },
    ],
  });
  const bn = (path: string, channels: number, name?: string) => ({
    path,
    ...(name !== undefined && { name }),
    vars: [0, 1, 2, 3].map((i) => ({
      name: String(i),
      shape: [channels],
      values: ramp(channels, 100 * i + channels),
    })),
  });

  it('orders each class’s groups by counter (conv2d_10 after conv2d_2) and matches by order', async () => {
    const blob = await writeHdf5((file) =>
      writeKeras3(file, [
        conv('conv2d', 1),
        conv('conv2d_1', 2),
        conv('conv2d_10', 11),
        conv('conv2d_2', 3),
        bn('batch_normalization', 1),
        bn('batch_normalization_1', 2),
        { path: 're_lu', vars: [] },
        { path: 'global_average_pooling2d', vars: [] },
        {
          path: 'dense',
          vars: [
            { name: '0', shape: [11, 2], values: ramp(22, 7) },
            { name: '1', shape: [2], values: ramp(2, 8) },
          ],
        },
      ]),
    );
    const weights = await openKerasWeights('model.weights.h5', blob);
    expect(weights.format).toBe(KERAS_3_FORMAT);
    expect(weights.match).toBe('order');
    expect(weights.layers.map(({ name, className }) => [name, className])).toEqual([
      ['batch_normalization', 'BatchNormalization'],
      ['batch_normalization_1', 'BatchNormalization'],
      ['conv2d', 'Conv2D'],
      ['conv2d_1', 'Conv2D'],
      ['conv2d_2', 'Conv2D'],
      ['conv2d_10', 'Conv2D'],
      ['dense', 'Dense'],
    ]);
    const conv10 = weights.layers[5];
    expect(conv10?.shapes).toEqual([[1, 1, 3, 11], [11]]);
    expect(conv10?.read()).toEqual([ramp(33, 11), ramp(11, -11)]);
    expect(weights.layers[1]?.read()).toEqual([0, 1, 2, 3].map((i) => ramp(2, 100 * i + 2)));
    weights.close();
  });

  it('sorts vars numerically (vars/10 after vars/2)', async () => {
    const vars = Array.from({ length: 12 }, (_, i) => ({
      name: String(i),
      shape: [1],
      values: new Float32Array([i]),
    }));
    const weights = await openKerasWeights(
      'many.weights.h5',
      await writeHdf5((file) => writeKeras3(file, [{ path: 'custom_layer', vars }])),
    );
    expect(weights.layers[0]?.read()).toEqual(vars.map((v) => v.values));
    expect(weights.layers[0]?.className).toBe('CustomLayer');
    weights.close();
  });

  it('lists a nested model’s layers before the outer model’s own', async () => {
    const blob = await writeHdf5((file) =>
      writeKeras3(file, [
        { path: 'input_layer', vars: [] },
        { path: 'functional', vars: [] },
        conv('functional/layers/conv2d', 4),
        conv('functional/layers/conv2d_1', 5),
        bn('functional/layers/batch_normalization', 4),
        conv('conv2d', 6),
      ]),
    );
    const weights = await openKerasWeights('nested.weights.h5', blob);
    expect(weights.layers.map((layer) => layer.name)).toEqual([
      'functional/batch_normalization',
      'functional/conv2d',
      'functional/conv2d_1',
      'conv2d',
    ]);
    expect(weights.layers[3]?.shapes).toEqual([[1, 1, 3, 6], [6]]);
    weights.close();
  });

  it('uses the groups’ name attributes and matches by name where every group has one', async () => {
    const blob = await writeHdf5((file) =>
      writeKeras3(file, [
        conv('conv2d', 64, 'conv1_conv'),
        bn('batch_normalization', 64, 'conv1_bn'),
        { path: 'activation', name: 'conv1_relu', vars: [] },
      ]),
    );
    const weights = await openKerasWeights('named.weights.h5', blob);
    expect(weights.match).toBe('name');
    expect(weights.layers.map(({ name, className }) => [name, className])).toEqual([
      ['conv1_bn', 'BatchNormalization'],
      ['conv1_conv', 'Conv2D'],
    ]);
    weights.close();
  });
});

describe('openKerasWeights: errors', () => {
  it('refuses a file that is not HDF5, naming it', async () => {
    const junk = new BytesBlob(new Uint8Array(4096).fill(7)) as unknown as Blob;
    const opening = openKerasWeights('weights/junk.h5', junk);
    await expect(opening).rejects.toThrow(WeightFileError);
    await expect(openKerasWeights('weights/junk.h5', junk)).rejects.toThrow(
      'junk.h5: not an HDF5 file: it does not start with the HDF5 signature',
    );
  });

  it('refuses an HDF5 file in neither layout', async () => {
    const blob = await writeHdf5((file) => {
      file.create_dataset({ name: 'images', data: new Float32Array([1, 2]) });
    });
    await expect(openKerasWeights('data.h5', blob)).rejects.toThrow(
      'data.h5: no layer_names attribute and no /layers group: not a Keras weights file',
    );
  });

  it('names a weight listed in weight_names whose dataset is missing', async () => {
    const blob = await writeHdf5((file) =>
      writeLegacyLayers(file, small, { skipDatasets: ['conv1/bn/moving_mean:0'] }),
    );
    await expect(openKerasWeights('broken.h5', blob)).rejects.toThrow(
      'broken.h5: layer conv1/bn lists the weight conv1/bn/moving_mean:0, but the file has no dataset /conv1/bn/conv1/bn/moving_mean:0',
    );
  });

  it('names a layer listed in layer_names that has no group', async () => {
    const blob = await writeHdf5((file) => {
      writeLegacyLayers(file, small);
      file.delete_attribute('layer_names');
      file.create_attribute('layer_names', ['conv1/conv', 'conv9'], [2], 'A10');
    });
    await expect(openKerasWeights('broken.h5', blob)).rejects.toThrow(
      'broken.h5: layer_names lists conv9, but the file has no group /conv9',
    );
  });

  it('names a dataset that is not floats when the layer is read', async () => {
    const layers: TestLayer[] = [
      {
        name: 'counter',
        weights: [{ name: 'counter/count:0', shape: [2], values: new Int32Array([1, 2]) }],
      },
    ];
    const weights = await openKerasWeights(
      'ints.h5',
      await writeHdf5((file) => writeLegacyLayers(file, layers)),
    );
    expect(weights.layers[0]?.shapes).toEqual([[2]]);
    expect(() => weights.layers[0]?.read()).toThrow(
      'ints.h5: the dataset /counter/counter/count:0 holds <i values, not float16, float32 or float64 weights',
    );
    weights.close();
  });
});

describe('kerasClassName', () => {
  it('turns Keras 3 group names’ classes into Keras class names', () => {
    expect(kerasClassName('conv2d')).toBe('Conv2D');
    expect(kerasClassName('batch_normalization')).toBe('BatchNormalization');
    expect(kerasClassName('depthwise_conv2d')).toBe('DepthwiseConv2D');
    expect(kerasClassName('conv2d_transpose')).toBe('Conv2DTranspose');
    expect(kerasClassName('dense')).toBe('Dense');
  });
});
