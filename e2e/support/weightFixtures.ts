/**
 * ImageNet weight files for the Classifier stage, generated at test time (never committed): Keras's
 * DenseNet121 no-top file and a torchvision `.safetensors` (scripts/synthetic-weights), a `.pth`,
 * and a file that only claims to be HDF5.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
}
