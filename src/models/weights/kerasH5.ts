/**
 * Keras weight files in HDF5, read in place (lib/hdf5File.ts) as a WeightFile:
 *
 * - Keras 2 legacy weights (`model.save_weights('x.h5')`, Keras' ImageNet files such as
 *   `densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5`): the root attribute `layer_names`
 *   lists the layers; each layer's group `/<layer>` lists its weights in the attribute
 *   `weight_names` (`conv1/conv/kernel:0`), each a dataset at `/<layer>/<weight>`, a `/` in a name
 *   nesting groups (`/conv1/conv/conv1/conv/kernel:0`). Matched by name. A nested model's group
 *   (a DenseNet inside a Sequential) is listed as its layers.
 * - Keras 2 whole models (`model.save('x.h5')`): the same under `/model_weights`, with the model's
 *   architecture in the root attribute `model_config` (JSON), returned parsed.
 * - Keras 3 `.weights.h5`: `/layers/<group>/vars/0`, `1`, …, groups named by class and counter
 *   (`conv2d`, `conv2d_1`, …, `batch_normalization_12`), nested models' under
 *   `/layers/<model>/layers/…`. Matched by order within each class, or by name where every group
 *   carries a `name` attribute.
 *
 * Keras 2 writes string lists as arrays of fixed-length byte strings (numpy 'S'): h5wasm returns
 * such an attribute as string[] (each cut at its first NUL), a scalar one as a string, and
 * variable-length strings the same way; an empty list, which Keras writes as an empty float64
 * array, comes back as an empty Float64Array. Lists longer than HDF5's 64 KB attribute limit are
 * split by Keras 2 into `layer_names0`, `layer_names1`, …: read as one.
 *
 * Only names, shapes and types are read when the file opens; a layer's values when its `read` is
 * called.
 */
import type { Dataset, Group } from 'h5wasm';
import { Hdf5OpenError, openHdf5, type H5Module, type OpenedHdf5 } from '../../lib/hdf5File.ts';
import { halvesToFloats } from './float16.ts';
import { WeightFileError, type FileLayer, type WeightFile } from './weightFile.ts';

export const KERAS_LEGACY_FORMAT = 'Keras HDF5 (legacy weights)';
export const KERAS_LEGACY_MODEL_FORMAT = 'Keras HDF5 (legacy whole model)';
export const KERAS_3_FORMAT = 'Keras 3 .weights.h5';

/** A Keras weight file, with what a whole-model file says of its model besides weights. */
export interface KerasWeightFile extends WeightFile {
  /** A whole-model file's `model_config`, parsed (`{class_name, config}`); else undefined. */
  modelConfig?: unknown;
  /** The `keras_version` attribute where the file has one (`2.4.0`). */
  kerasVersion?: string;
}

/** Opens `blob` (dropped as `name`) as a Keras weight file, reading only its layout. */
export async function openKerasWeights(name: string, blob: Blob): Promise<KerasWeightFile> {
  const fileName = name.split('/').at(-1) || name;
  let opened: OpenedHdf5;
  try {
    opened = await openHdf5(name, blob);
  } catch (error) {
    if (error instanceof Hdf5OpenError) {
      throw new WeightFileError(`${fileName}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  try {
    return readLayout(opened, fileName);
  } catch (error) {
    opened.close();
    throw error;
  }
}

type H5wasm = OpenedHdf5['h5wasm'];

function readLayout(opened: OpenedHdf5, fileName: string): KerasWeightFile {
  const { h5wasm, file, close } = opened;
  const context: Context = { h5wasm, module: opened.module, fileName };
  const modelWeights = file.get('model_weights');
  const kerasVersion = optionalString(context, file, 'keras_version');

  if (hasStrings(file, 'layer_names')) {
    return {
      format: KERAS_LEGACY_FORMAT,
      match: 'name',
      layers: legacyLayers(context, file),
      close,
      ...(kerasVersion !== undefined && { kerasVersion }),
    };
  }
  if (modelWeights instanceof h5wasm.Group && hasStrings(modelWeights, 'layer_names')) {
    const config = optionalString(context, file, 'model_config');
    let modelConfig: unknown;
    if (config !== undefined) {
      try {
        modelConfig = JSON.parse(config);
      } catch {
        throw new WeightFileError(`${fileName}: the model_config attribute is not JSON`);
      }
    }
    return {
      format: KERAS_LEGACY_MODEL_FORMAT,
      match: 'name',
      layers: legacyLayers(context, modelWeights),
      close,
      ...(modelConfig !== undefined && { modelConfig }),
      ...(kerasVersion !== undefined && { kerasVersion }),
    };
  }
  const layersGroup = file.get('layers');
  if (layersGroup instanceof h5wasm.Group) {
    const groups = keras3Groups(context, layersGroup, '');
    const named = groups.length > 0 && groups.every((group) => group.nameAttribute !== undefined);
    return {
      format: KERAS_3_FORMAT,
      match: named ? 'name' : 'order',
      layers: groups.map(({ path, nameAttribute, className, datasets }) => ({
        name: named && nameAttribute !== undefined ? nameAttribute : path,
        ...(className !== undefined && { className }),
        shapes: datasets.map(shapeOf),
        read: () => datasets.map((dataset) => floats(context, dataset)),
      })),
      close,
    };
  }
  throw new WeightFileError(
    `${fileName}: no layer_names attribute and no /layers group: not a Keras weights file`,
  );
}

interface Context {
  h5wasm: H5wasm;
  module: H5Module;
  fileName: string;
}

/** Keras 2: `root`'s `layer_names`, each layer's `weight_names`; layers without weights skipped. */
function legacyLayers(context: Context, root: Group): FileLayer[] {
  const { h5wasm, fileName } = context;
  const layers: FileLayer[] = [];
  for (const layerName of strings(context, root, 'layer_names')) {
    const group = root.get(layerName);
    if (!(group instanceof h5wasm.Group)) {
      throw new WeightFileError(
        `${fileName}: layer_names lists ${layerName}, but the file has no group ${join(root.path, layerName)}`,
      );
    }
    const weightNames = hasStrings(group, 'weight_names')
      ? strings(context, group, 'weight_names')
      : [];
    if (weightNames.length === 0) continue;
    const datasets = weightNames.map((weightName) => {
      const dataset = group.get(weightName);
      if (!(dataset instanceof h5wasm.Dataset)) {
        throw new WeightFileError(
          `${fileName}: layer ${layerName} lists the weight ${weightName}, but the file has no dataset ${join(group.path, weightName)}`,
        );
      }
      return dataset;
    });
    for (const { name, indices } of splitNestedModel(layerName, weightNames)) {
      const own = indices.map((i) => datasets[i] as Dataset);
      layers.push({
        name,
        shapes: own.map(shapeOf),
        read: () => own.map((dataset) => floats(context, dataset)),
      });
    }
  }
  return layers;
}

/**
 * A layer's weights, or, where the layer is a nested model (a DenseNet inside a Sequential), its
 * layers' weights apart: Keras 2 lists a nested model's weights under the model's name, each named
 * by its own layer (`conv1/conv/kernel:0`), trainable ones first (so a batch norm's moving mean
 * and variance come after every layer's kernels). Weights are grouped by the name before their
 * last `/`, in order of first appearance, when the names give two layers or more.
 */
function splitNestedModel(
  layerName: string,
  weightNames: string[],
): { name: string; indices: number[] }[] {
  const groups = new Map<string, number[]>();
  weightNames.forEach((weightName, i) => {
    const slash = weightName.lastIndexOf('/');
    const prefix = slash > 0 ? weightName.slice(0, slash) : layerName;
    groups.set(prefix, [...(groups.get(prefix) ?? []), i]);
  });
  if (groups.size < 2) return [{ name: layerName, indices: weightNames.map((_, i) => i) }];
  return [...groups].map(([name, indices]) => ({ name, indices }));
}

interface Keras3Group {
  /** Relative to `/layers`, nested models' groups after theirs: `conv2d_5`, `functional/conv2d`. */
  path: string;
  nameAttribute?: string;
  className?: string;
  datasets: Dataset[];
  snake: string;
  counter: number;
}

/**
 * Keras 3's layer groups under `layers` (a model's `/layers`, or a nested model's), each class's
 * by counter. HDF5 lists groups alphabetically, so the model's order across classes is lost; each
 * class's order is its counters'. A nested model's layers come before the containing model's own
 * (a backbone before its head, the usual case).
 */
function keras3Groups(context: Context, layers: Group, prefix: string): Keras3Group[] {
  const { h5wasm } = context;
  const own: Keras3Group[] = [];
  const nested: { snake: string; counter: number; groups: Keras3Group[] }[] = [];
  for (const key of layers.keys()) {
    const group = layers.get(key);
    if (!(group instanceof h5wasm.Group)) continue;
    const { snake, counter } = parseGroupName(key);
    const sublayers = group.get('layers');
    if (sublayers instanceof h5wasm.Group) {
      nested.push({ snake, counter, groups: keras3Groups(context, sublayers, `${prefix}${key}/`) });
    }
    const vars = group.get('vars');
    if (!(vars instanceof h5wasm.Group)) continue;
    const datasets = vars
      .keys()
      .filter((k) => /^\d+$/.test(k))
      .sort((a, b) => Number(a) - Number(b))
      .map((k) => vars.get(k))
      .filter((entity): entity is Dataset => entity instanceof h5wasm.Dataset);
    if (datasets.length === 0) continue;
    const nameAttribute = optionalString(context, group, 'name');
    own.push({
      path: `${prefix}${key}`,
      ...(nameAttribute !== undefined && { nameAttribute }),
      className: kerasClassName(snake),
      datasets,
      snake,
      counter,
    });
  }
  const byClassThenCounter = (
    a: { snake: string; counter: number },
    b: { snake: string; counter: number },
  ) => (a.snake < b.snake ? -1 : a.snake > b.snake ? 1 : a.counter - b.counter);
  own.sort(byClassThenCounter);
  nested.sort(byClassThenCounter);
  return [...nested.flatMap((model) => model.groups), ...own];
}

/** `conv2d_10` → conv2d, 10; `conv2d` → conv2d, 0 (Keras 3 numbers the second of a class 1). */
function parseGroupName(key: string): { snake: string; counter: number } {
  const match = /^(.+?)_(\d+)$/.exec(key);
  return match?.[1] !== undefined && match[2] !== undefined
    ? { snake: match[1], counter: Number(match[2]) }
    : { snake: key, counter: 0 };
}

/**
 * Keras' class name from its snake_case (Keras 3 names groups with `to_snake_case`):
 * batch_normalization → BatchNormalization, conv2d → Conv2D, depthwise_conv2d → DepthwiseConv2D,
 * conv2d_transpose → Conv2DTranspose.
 */
export function kerasClassName(snake: string): string {
  return snake
    .split('_')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')
    .replace(/(\d)d(?=[A-Z]|$)/g, '$1D');
}

function shapeOf(dataset: Dataset): number[] {
  return dataset.shape ?? [];
}

/** A dataset's values as float32: float32 as stored, float64 and float16 converted. */
function floats(context: Context, dataset: Dataset): Float32Array {
  const { module, fileName } = context;
  const { type, size, total_size: count } = dataset.metadata;
  if (type !== module.H5T_class_t.H5T_FLOAT.value || ![2, 4, 8].includes(size)) {
    throw new WeightFileError(
      `${fileName}: the dataset ${dataset.path} holds ${String(dataset.dtype)} values, not float16, float32 or float64 weights`,
    );
  }
  if (size === 2) {
    // h5wasm's value reader refuses float16: read the raw halves (little-endian) and widen them.
    const pointer = module._malloc(Math.max(1, count * 2));
    try {
      module.get_dataset_data(dataset.file_id, dataset.path, null, null, null, BigInt(pointer));
      const bytes = module.HEAPU8.slice(pointer, pointer + count * 2);
      return halvesToFloats(new Uint16Array(bytes.buffer));
    } finally {
      module._free(pointer);
    }
  }
  const value = dataset.value;
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return Float32Array.from(value);
  if (typeof value === 'number') return new Float32Array([value]);
  throw new WeightFileError(`${fileName}: the dataset ${dataset.path} could not be read as floats`);
}

/** Whether `group` has the string-list attribute `name`, whole or split into `name0`, `name1` …. */
function hasStrings(group: Group, name: string): boolean {
  const attrs = group.attrs;
  return name in attrs || `${name}0` in attrs;
}

/** A string-list attribute (Keras 2's `save_attributes_to_hdf5_group`), joining its chunks. */
function strings(context: Context, group: Group, name: string): string[] {
  const attrs = group.attrs;
  if (name in attrs) return stringList(context, group, name);
  const out: string[] = [];
  for (let chunk = 0; `${name}${chunk}` in attrs; chunk++) {
    out.push(...stringList(context, group, `${name}${chunk}`));
  }
  return out;
}

/** One attribute as strings: fixed-length or variable-length, scalar or array; empty as []. */
function stringList(context: Context, group: Group, name: string): string[] {
  const value = group.attrs[name]?.value ?? null;
  if (value === null) return [];
  if (typeof value === 'string') return [trimNul(value)];
  if (ArrayBuffer.isView(value) && value.byteLength === 0) return [];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return value.map(trimNul);
  }
  throw new WeightFileError(
    `${context.fileName}: the attribute ${name} of ${group.path} is not a list of names`,
  );
}

/** A string attribute where the object has it (`keras_version`, `model_config`, `name`). */
function optionalString(context: Context, group: Group, name: string): string | undefined {
  if (!(name in group.attrs)) return undefined;
  const list = stringList(context, group, name);
  if (list.length !== 1) {
    throw new WeightFileError(
      `${context.fileName}: the attribute ${name} of ${group.path} is not one string`,
    );
  }
  return list[0];
}

/** h5wasm cuts fixed-length strings at their first NUL; a NUL-padded vlen string is cut here. */
function trimNul(text: string): string {
  const nul = text.indexOf('\0');
  return nul === -1 ? text : text.slice(0, nul);
}

function join(path: string, name: string): string {
  return `${path === '/' ? '' : path}/${name}`;
}
