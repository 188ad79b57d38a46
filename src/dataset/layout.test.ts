import { describe, expect, it } from 'vitest';
import { classifyPath, splitFromPath } from './layout.ts';

describe('classifyPath', () => {
  it('recognises the ISIC 2017 layout, also with doubled folders and inside a zip', () => {
    expect(classifyPath('ISIC-2017_Training_Data/ISIC_0000000.jpg')).toEqual({
      kind: 'image',
      key: 'isic_0000000',
      id: 'ISIC_0000000',
      split: 'train',
    });
    expect(
      classifyPath('ISIC-2017_Validation_Data/ISIC-2017_Validation_Data/ISIC_0001769.JPG'),
    ).toMatchObject({ kind: 'image', key: 'isic_0001769', split: 'val' });
    expect(
      classifyPath(
        'ISIC-2017_Test_v2_Part1_GroundTruth.zip/ISIC-2017_Test_v2_Part1_GroundTruth/ISIC_0012086_segmentation.png',
      ),
    ).toEqual({ kind: 'mask', key: 'isic_0012086', id: 'ISIC_0012086', split: 'test' });
    expect(classifyPath('ISIC-2017_Training_Part3_GroundTruth.csv')).toEqual({
      kind: 'csv',
      split: 'train',
    });
    expect(classifyPath('ISIC-2017_Training_Data/ISIC-2017_Training_Data_metadata.csv')).toEqual({
      kind: 'csv',
      split: 'train',
    });
  });

  it('matches ids and mask suffixes case-insensitively (ISIC 2016 writes _Segmentation)', () => {
    const image = classifyPath('ISBI2016_ISIC_Part1_Training_Data/isic_0000001.jpeg');
    const mask = classifyPath(
      'ISBI2016_ISIC_Part1_Training_GroundTruth/ISIC_0000001_Segmentation.png',
    );
    expect(image).toMatchObject({ kind: 'image', key: 'isic_0000001', id: 'ISIC_0000001' });
    expect(mask).toMatchObject({ kind: 'mask', key: 'isic_0000001', split: 'train' });
  });

  it('recognises the ISIC 2018, 2019 and HAM10000 folders', () => {
    expect(classifyPath('ISIC2018_Task1-2_Validation_Input/ISIC_0012255.jpg')).toMatchObject({
      kind: 'image',
      split: 'val',
    });
    expect(
      classifyPath('ISIC2018_Task1_Training_GroundTruth/ISIC_0000000_segmentation.png'),
    ).toMatchObject({ kind: 'mask', split: 'train' });
    expect(classifyPath('HAM10000_images_part_1/ISIC_0024306.jpg')).toMatchObject({
      kind: 'image',
      split: null,
    });
    expect(classifyPath('ISIC_2019_Training_Input/ISIC_0000000_downsampled.jpg')).toMatchObject({
      kind: 'image',
      key: 'isic_0000000_downsampled',
    });
  });

  it('skips clutter quietly and names the reason for every other unused file', () => {
    for (const path of [
      '__MACOSX/ISIC-2017_Training_Data/._ISIC_0000000.jpg',
      'ISIC-2017_Training_Data/.DS_Store',
      'ISIC-2017_Training_Data/ISIC_0000000_superpixels.png',
      'photos/Thumbs.db',
    ]) {
      expect(classifyPath(path), path).toEqual({ kind: 'ignored' });
    }
    expect(classifyPath('ISIC-2017_Training_Data/LICENSE.txt')).toMatchObject({ kind: 'unused' });
    expect(
      classifyPath('ISIC2018_Task2_Training_GroundTruth_v3/ISIC_0000000_attribute_globules.png'),
    ).toMatchObject({ kind: 'unused', reason: expect.stringContaining('attribute mask') });
    expect(
      classifyPath('ISIC-2017_Training_Part1_GroundTruth/ISIC_0000000_mask.png'),
    ).toMatchObject({ kind: 'unused', reason: expect.stringContaining('_segmentation.png') });
    expect(classifyPath('downloads/ISIC-2017_Training_Data.zip')).toEqual({ kind: 'zip' });
  });
});

describe('classifyPath: an ISIC Archive gallery zip or isic-cli folder', () => {
  it('takes the ids at the root as images and metadata.csv as a CSV', () => {
    expect(classifyPath('isic-gallery.zip/ISIC_0024306.jpg')).toEqual({
      kind: 'image',
      key: 'isic_0024306',
      id: 'ISIC_0024306',
      split: null,
    });
    expect(classifyPath('isic-gallery.zip/ISIC_9000001.png')).toMatchObject({ kind: 'image' });
    expect(classifyPath('isic-gallery.zip/metadata.csv')).toEqual({ kind: 'csv', split: null });
  });

  it('skips attribution.txt, the licence texts and isic-cli partial files without a word', () => {
    for (const path of [
      'isic-gallery.zip/attribution.txt',
      'isic-gallery.zip/licenses/CC-0.txt',
      'isic-gallery.zip/licenses/CC-BY.txt',
      'isic-gallery.zip/licenses/CC-BY-NC.txt',
      'download/Attribution.TXT',
      'download/.isic-partial.ISIC_0000001.jpg',
      'download/ISIC_0000002.jpg.isic-partial.tmp',
    ]) {
      expect(classifyPath(path), path).toEqual({ kind: 'ignored' });
    }
  });

  it('lists a TIFF with the reason it is not read', () => {
    for (const path of ['download/ISIC_0000003.tif', 'download/ISIC_0000004.TIFF']) {
      expect(classifyPath(path), path).toEqual({
        kind: 'unused',
        reason: expect.stringMatching(
          /Cloud-Optimized GeoTIFF.*over 100 megapixels|100 megapixels.*Cloud-Optimized GeoTIFF/,
        ),
      });
    }
  });

  it('recognises ISIC 2024 HDF5 image files, and the JPEG folder beside them', () => {
    expect(classifyPath('isic-2024-challenge/train-image.hdf5')).toEqual({
      kind: 'hdf5',
      split: 'train',
    });
    expect(classifyPath('isic-2024-challenge/test-image.H5')).toEqual({
      kind: 'hdf5',
      split: 'test',
    });
    expect(classifyPath('isic-2024-challenge/train-image/image/ISIC_0015670.jpg')).toEqual({
      kind: 'image',
      key: 'isic_0015670',
      id: 'ISIC_0015670',
      split: 'train',
    });
  });
});

describe('splitFromPath', () => {
  it('takes the innermost segment that names a split', () => {
    expect(splitFromPath('Test/ISIC-2017_Training_Data')).toBe('train');
    expect(splitFromPath('my data/ISIC-2017_Test_v2_Data/x.jpg')).toBe('test');
    expect(splitFromPath('ISIC_2020_Training_GroundTruth.csv')).toBe('train');
    expect(splitFromPath('images/part_1')).toBeNull();
    // Words, not substrings: "contest" and "interval" name no split.
    expect(splitFromPath('contest/interval')).toBeNull();
  });
});
