/**
 * ImageNet weight files for the Classifier stage, generated at test time (never committed): Keras's
 * DenseNet121 no-top file and a torchvision `.safetensors` (scripts/synthetic-weights), a `.pth`,
 * a file that only claims to be HDF5, and the seed's own Keras models.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { kerasCounterNames, kerasModelFile } from '../../scripts/synthetic-weights/kerasModels.ts';
import { buildDenseNet } from '../../src/models/densenet.ts';
import { buildSegNet } from '../../src/models/segnet.ts';
import { PRESET_TABLE } from '../../src/pipeline/presets.ts';
import {
  KERAS_NOTOP_NAME,
  TORCHVISION_NAME,
  writeDenseNet121Weights,
} from '../../scripts/synthetic-weights/densenet121.ts';
import { FIXTURES } from './isicFixture.ts';

export const WEIGHTS = join(FIXTURES, 'weights');
export const KERAS_NOTOP = join(WEIGHTS, KERAS_NOTOP_NAME);
export const TORCHVISION = join(WEIGHTS, TORCHVISION_NAME);
export const PTH = join(WEIGHTS, 'densenet121-a639ec97.pth');
export const NOT_HDF5 = join(WEIGHTS, 'broken.h5');

export async function makeWeightFixtures(): Promise<void> {
  await writeDenseNet121Weights(WEIGHTS);
  // A zip of pickles, as torch.save writes: only its name and first bytes matter here.
  writeFileSync(PTH, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
  writeFileSync(NOT_HDF5, new TextEncoder().encode('this is not an HDF5 file'));
  await makeSeedModelFixtures();
}

export const SEED_SEGNET_H5 = join(WEIGHTS, 'segnet_model.h5');
export const SEED_CLASSIFIER_H5 = join(WEIGHTS, 'densenet_melanoma_model.h5');

/**
 * The seed's own trained models as its Keras scripts save them: the SegNet at its 200 px, and the
 * classifier (DenseNet121 + Flatten + Dense 1024 + Dropout + Dense 3) at 32 px to keep the file
 * small (the layers are the same; the seed's 256 px makes a 270 MB Flatten → Dense). Random
 * weights; the head and SegNet layers carry Keras's counter names.
 */
export async function makeSeedModelFixtures(): Promise<void> {
  await tf.setBackend('cpu');
  const segnet = buildSegNet(PRESET_TABLE.seed.segnet.model);
  writeFileSync(
    SEED_SEGNET_H5,
    await kerasModelFile(
      segnet,
      kerasCounterNames(segnet, () => false),
    ),
  );
  segnet.dispose();
  const classifier = buildDenseNet({ ...PRESET_TABLE.seed.classifier.model, inputSize: 32 });
  const head = new Set(['flatten', 'fc1', 'head_dropout', 'predictions']);
  writeFileSync(
    SEED_CLASSIFIER_H5,
    await kerasModelFile(
      classifier,
      kerasCounterNames(classifier, (name) => !head.has(name)),
    ),
  );
  classifier.dispose();
}
