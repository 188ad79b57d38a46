import { describe, expect, it } from 'vitest';
import { estimateIngest, ingestBytes } from './estimate.ts';

const item = (path: string) => ({ path, file: new Blob(['x']) });

describe('estimateIngest', () => {
  it('counts the new images and masks by path, and names HDF5 files it cannot count', async () => {
    const estimate = await estimateIngest(
      [
        item('ISIC-2017_Training_Data/ISIC_0000001.jpg'),
        item('ISIC-2017_Training_Data/ISIC_0000002.jpg'),
        item('ISIC-2017_Training_Part1_GroundTruth/ISIC_0000002_segmentation.png'),
        item('isic-2024-challenge/train-image.hdf5'),
        item('isic-2024-challenge/train-metadata.csv'),
      ],
      128,
      { images: new Set(['isic_0000001']), masks: new Set() },
      null,
    );
    expect(estimate).toMatchObject({
      images: 1,
      masks: 1,
      bytes: ingestBytes(1, 1, 128),
      fits: true,
      uncounted: ['isic-2024-challenge/train-image.hdf5'],
    });
  });

  it('names the largest stored size that fits the space left', async () => {
    const items = [item('a/ISIC_0000001.jpg'), item('a/ISIC_0000002.jpg')];
    const available = ingestBytes(2, 0, 192) + 1;
    const estimate = await estimateIngest(
      items,
      256,
      { images: new Set(), masks: new Set() },
      available,
    );
    expect(estimate).toMatchObject({ fits: false, fittingSize: 192, uncounted: [] });
  });
});
