/**
 * Whole-model Keras 2 `.h5` files (`model.save('x.h5')`) of the seed's classifier and SegNet, for
 * tests: the `model_config` Keras writes (tfjs writes the same Keras JSON for its model.json) and
 * the weights under `/model_weights`, laid out as Keras 2 does. `rename` gives layers the names
 * Keras's counters give in the seed's scripts (`dense_1`, `conv2d_3`), in config and weights alike.
 */
import type * as tf from '@tensorflow/tfjs';
import { writeHdf5, groupAt } from '../../src/lib/testHdf5.ts';
import {
  stringAttribute,
  writeLegacyLayers,
  type TestLayer,
} from '../../src/models/weights/testKerasH5.ts';

const VARIABLES: Record<string, string[]> = {
  Conv2D: ['kernel', 'bias'],
  Dense: ['kernel', 'bias'],
  BatchNormalization: ['gamma', 'beta', 'moving_mean', 'moving_variance'],
};

/** The model's bytes as a Keras 2 whole-model file. */
export async function kerasModelFile(
  model: tf.LayersModel,
  rename: (name: string) => string = (name) => name,
): Promise<Uint8Array> {
  const config = model.toJSON(undefined, false) as {
    class_name: string;
    config: { layers: { name: string; config: { name: string } }[] };
  };
  for (const layer of config.config.layers) {
    layer.name = rename(layer.name);
    layer.config.name = rename(layer.config.name);
  }
  const layers: TestLayer[] = model.layers.map((layer) => {
    const name = rename(layer.name);
    const variables = VARIABLES[layer.getClassName()] ?? [];
    return {
      name,
      weights: layer.getWeights().map((weight, i) => ({
        name: `${name}/${variables[i] ?? i}:0`,
        shape: weight.shape,
        values: weight.dataSync() as Float32Array,
      })),
    };
  });
  const blob = await writeHdf5((file) => {
    stringAttribute(file, 'model_config', JSON.stringify(config));
    stringAttribute(file, 'keras_version', '2.2.4');
    stringAttribute(file, 'backend', 'tensorflow');
    writeLegacyLayers(groupAt(file, 'model_weights'), layers);
  });
  return blob.bytes;
}

/**
 * Keras 2's counter names for the layers `keep` does not keep (`dense_1`, `conv2d_3`,
 * `batch_normalization_2`), as the seed's scripts leave them; Keras' DenseNet121 names its own.
 */
export function kerasCounterNames(
  model: tf.LayersModel,
  keep: (name: string) => boolean,
): (name: string) => string {
  const counters = new Map<string, number>();
  const names = new Map<string, string>();
  for (const layer of model.layers) {
    if (keep(layer.name)) continue;
    const kind = layer
      .getClassName()
      .replace(/([a-z])([A-Z])/g, '$1_$2')
      .toLowerCase();
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    names.set(layer.name, `${kind}_${n}`);
  }
  return (name) => names.get(name) ?? name;
}
