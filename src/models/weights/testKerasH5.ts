/**
 * Keras weight files for tests, written with h5wasm in the layouts Keras writes (kerasH5.ts
 * describes them). h5wasm writes fixed-length strings as ASCII NUL-terminated ('A') or UTF-8
 * ('S'); h5py writes numpy 'S' arrays as ASCII NUL-padded: all read back the same.
 */
import { groupAt } from '../../lib/testHdf5.ts';

type H5wasm = (typeof import('h5wasm'))['default'];
type H5Group = InstanceType<H5wasm['Group']>;

export interface TestWeight {
  /** `conv1/conv/kernel:0` (Keras 2), or the var's index (Keras 3). */
  name: string;
  shape: number[];
  /** Zeros where absent; Float64Array and Int32Array are written as such. */
  values?: Float32Array | Float64Array | Int32Array;
}

export interface TestLayer {
  name: string;
  weights: TestWeight[];
}

/** How string lists are written: fixed-length ASCII or UTF-8 arrays, or variable-length. */
export type StringKind = 'ascii' | 'utf8' | 'vlen';

/** Distinct small values, `seed` apart between arrays. */
export function ramp(n: number, seed = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => seed + ((i * 7) % 101) / 64);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** A Keras 2 string-list attribute; an empty one as an empty float64 array, as numpy makes it. */
export function stringsAttribute(
  group: H5Group,
  name: string,
  list: string[],
  kind: StringKind = 'ascii',
): void {
  if (list.length === 0) {
    group.create_attribute(name, new Float64Array(0), [0], '<d');
  } else if (kind === 'vlen') {
    group.create_attribute(name, list, [list.length]);
  } else {
    const length = Math.max(...list.map((s) => new TextEncoder().encode(s).length));
    group.create_attribute(name, list, [list.length], `${kind === 'ascii' ? 'A' : 'S'}${length}`);
  }
}

/** A string attribute as Keras 2 writes bytes: a fixed-length scalar. */
export function stringAttribute(group: H5Group, name: string, value: string): void {
  group.create_attribute(name, value, [], `A${new TextEncoder().encode(value).length}`);
}

function writeDataset(group: H5Group, name: string, weight: TestWeight): void {
  const values = weight.values ?? new Float32Array(size(weight.shape));
  const dtype = values instanceof Float64Array ? '<d' : values instanceof Int32Array ? '<i' : '<f';
  group.create_dataset({ name, data: values, shape: weight.shape, dtype });
}

/**
 * Keras 2's legacy layout under `root` (the file, or a whole model's /model_weights):
 * `layer_names`, and per layer `weight_names` and its datasets, names with `/` nesting groups.
 * `skipDatasets` names weights listed but not written.
 */
export function writeLegacyLayers(
  root: H5Group,
  layers: TestLayer[],
  { strings = 'ascii', skipDatasets = [] }: { strings?: StringKind; skipDatasets?: string[] } = {},
): void {
  stringsAttribute(
    root,
    'layer_names',
    layers.map((layer) => layer.name),
    strings,
  );
  stringAttribute(root, 'backend', 'tensorflow');
  stringAttribute(root, 'keras_version', '2.13.1');
  for (const layer of layers) {
    const group = groupAt(root, layer.name);
    stringsAttribute(
      group,
      'weight_names',
      layer.weights.map((weight) => weight.name),
      strings,
    );
    for (const weight of layer.weights) {
      if (skipDatasets.includes(weight.name)) continue;
      const parts = weight.name.split('/');
      const leaf = parts.pop() ?? weight.name;
      writeDataset(groupAt(group, parts.join('/')), leaf, weight);
    }
  }
}

export interface TestKeras3Group {
  /** Under /layers: `conv2d_10`, or a nested model's `functional/layers/conv2d`. */
  path: string;
  /** The group's `name` attribute (newer Keras 3). */
  name?: string;
  /** vars/0, vars/1, …; none for a layer without weights. */
  vars: TestWeight[];
}

/** Keras 3's `.weights.h5` layout: `/layers/<group>/vars/<i>`, and the model's empty `/vars`. */
export function writeKeras3(file: H5Group, groups: TestKeras3Group[]): void {
  groupAt(file, 'vars');
  for (const group of groups) {
    const layer = groupAt(file, `layers/${group.path}`);
    if (group.name !== undefined) layer.create_attribute('name', group.name);
    const vars = groupAt(layer, 'vars');
    group.vars.forEach((weight, i) => writeDataset(vars, String(i), weight));
  }
}

/**
 * The layers of Keras' DenseNet121(include_top=False) with their weight names and shapes (none
 * for layers without weights), from its layer names (densenet121.keras-layers.json): growth rate
 * 32, 64 initial filters, bottleneck 4 × 32, transitions halving the channels; convolutions
 * without bias.
 */
export function denseNet121Layers(names: string[]): TestLayer[] {
  const conv = (name: string, shape: number[]): TestLayer => ({
    name,
    weights: [{ name: `${name}/kernel:0`, shape }],
  });
  const bn = (name: string, channels: number): TestLayer => ({
    name,
    weights: ['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => ({
      name: `${name}/${w}:0`,
      shape: [channels],
    })),
  });
  const layers: TestLayer[] = [];
  let channels = 64;
  for (const name of names) {
    let match: RegExpExecArray | null;
    if (name === 'conv1/conv') layers.push(conv(name, [7, 7, 3, 64]));
    else if (name === 'conv1/bn') layers.push(bn(name, 64));
    else if ((match = /^conv\d+_block\d+_(0_bn|1_conv|1_bn|2_conv|concat)$/.exec(name))) {
      const part = match[1];
      if (part === '0_bn') layers.push(bn(name, channels));
      else if (part === '1_conv') layers.push(conv(name, [1, 1, channels, 128]));
      else if (part === '1_bn') layers.push(bn(name, 128));
      else if (part === '2_conv') layers.push(conv(name, [3, 3, 128, 32]));
      else {
        layers.push({ name, weights: [] });
        channels += 32;
      }
    } else if (/^pool\d+_bn$/.test(name)) layers.push(bn(name, channels));
    else if (/^pool\d+_conv$/.test(name)) {
      layers.push(conv(name, [1, 1, channels, channels / 2]));
      channels /= 2;
    } else if (name === 'bn') layers.push(bn(name, channels));
    else layers.push({ name, weights: [] });
  }
  return layers;
}
