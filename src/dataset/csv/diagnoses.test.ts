import { describe, expect, it } from 'vitest';
import { isOtherLesion } from './diagnoses.ts';

describe('isOtherLesion', () => {
  it('takes definite diagnoses outside the three classes, as each release spells them', () => {
    for (const diagnosis of [
      'bcc', // HAM10000
      'akiec',
      'df',
      'vasc',
      'BCC', // ISIC 2018 and 2019
      'AK',
      'SCC',
      'Basal cell carcinoma', // ISIC Archive, deepest level
      'Dermatofibroma',
      'cafe-au-lait macule', // ISIC 2020
      'Benign - Other',
    ]) {
      expect(isOtherLesion(diagnosis), diagnosis).toBe(true);
    }
  });

  it('refuses what names no definite kind, or may hide one of the three classes', () => {
    for (const diagnosis of [
      '',
      'no diagnosis',
      'unknown',
      'UNK',
      'Benign',
      'malignant',
      'Indeterminate',
      'Indeterminate melanocytic proliferations',
      'atypical melanocytic proliferation',
      'Benign melanocytic proliferations',
      'Benign epidermal proliferations',
      'Collision - Only benign proliferations',
    ]) {
      expect(isOtherLesion(diagnosis), diagnosis).toBe(false);
    }
  });
});
