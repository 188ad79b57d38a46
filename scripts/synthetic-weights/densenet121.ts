/**
 * DenseNet-121 ImageNet weight files as Keras and PyTorch write them, with a value ramp instead of
 * trained values: Keras 2's `densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5` (all 427
 * layer names, the 241 with weights at their real shapes: 28 MB) and the same weights as a
 * torchvision `.safetensors`. For the e2e tests and the weights benchmark; the values do not
 * matter there (the unit tests check values and predictions).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHdf5 } from '../../src/lib/testHdf5.ts';
import densenet121 from '../../src/models/densenet121.keras-layers.json' with { type: 'json' };
import {
  denseNet121Layers,
  ramp,
  writeLegacyLayers,
} from '../../src/models/weights/testKerasH5.ts';
import { torchvisionSafetensors } from '../../src/models/weights/testSafetensors.ts';

export const KERAS_NOTOP_NAME = 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5';
export const TORCHVISION_NAME = 'densenet121.safetensors';

/** Writes both files into `dir`; returns their paths. */
export async function writeDenseNet121Weights(
  dir: string,
): Promise<{ keras: string; torchvision: string }> {
  mkdirSync(dir, { recursive: true });
  const layers = denseNet121Layers(densenet121.layers as string[]).map((layer, i) => ({
    ...layer,
    weights: layer.weights.map((weight, k) => ({
      ...weight,
      values: ramp(
        weight.shape.reduce((a, b) => a * b, 1),
        i + k / 10,
      ),
    })),
  }));
  const keras = join(dir, KERAS_NOTOP_NAME);
  const h5 = await writeHdf5((file) => writeLegacyLayers(file, layers));
  writeFileSync(keras, h5.bytes);
  const torchvision = join(dir, TORCHVISION_NAME);
  writeFileSync(
    torchvision,
    torchvisionSafetensors(
      layers
        .filter((layer) => layer.weights.length > 0)
        .map((layer) => ({
          name: layer.name,
          className: layer.weights.length === 1 ? 'Conv2D' : 'BatchNormalization',
          shapes: layer.weights.map((w) => w.shape),
          values: layer.weights.map((w) => w.values),
        })),
    ),
  );
  return { keras, torchvision };
}
