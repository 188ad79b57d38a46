/**
 * ImageNet weight files for the Classifier stage, generated at test time (never committed): Keras's
 * DenseNet121 no-top file as Keras 2 writes it (all 427 layer names, the 241 with weights at their
 * real shapes: 28 MB), the same weights as a torchvision `.safetensors`, a `.pth` and a file that
 * only claims to be HDF5. Values are a ramp: the import checks names and shapes, not values (the
 * unit tests check values and predictions).
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
import { FIXTURES } from './isicFixture.ts';

export const WEIGHTS = join(FIXTURES, 'weights');
export const KERAS_NOTOP = join(WEIGHTS, 'densenet121_weights_tf_dim_ordering_tf_kernels_notop.h5');
export const TORCHVISION = join(WEIGHTS, 'densenet121.safetensors');
export const PTH = join(WEIGHTS, 'densenet121-a639ec97.pth');
export const NOT_HDF5 = join(WEIGHTS, 'broken.h5');

export async function makeWeightFixtures(): Promise<void> {
  mkdirSync(WEIGHTS, { recursive: true });
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
  const h5 = await writeHdf5((file) => writeLegacyLayers(file, layers));
  writeFileSync(KERAS_NOTOP, (h5 as unknown as { bytes: Uint8Array }).bytes);
  writeFileSync(
    TORCHVISION,
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
  // A zip of pickles, as torch.save writes: only its name and first bytes matter here.
  writeFileSync(PTH, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
  writeFileSync(NOT_HDF5, new TextEncoder().encode('this is not an HDF5 file'));
}
