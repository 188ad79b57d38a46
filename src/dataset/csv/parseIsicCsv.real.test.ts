/**
 * parseIsicCsv on real ISIC 2017 label files. Part of `npm run test:real`: it reads the real-data
 * folder beside the repository that SHARED_DATA names (scripts/sharedData.ts), which a plain clone lacks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedData } from '../../../scripts/sharedData.ts';
import { parseIsicCsv } from './parseIsicCsv.ts';
import { label } from './testRows.ts';

describe('parseIsicCsv: the real ISIC 2017 sample', () => {
  const sample = (name: string): string =>
    readFileSync(join(sharedData('real-isic-sample'), name), 'utf8');

  it('reads the training and (CRLF) validation ground truth without problems', () => {
    const training = parseIsicCsv(
      'ISIC-2017_Training_Part3_GroundTruth.csv',
      sample('ISIC-2017_Training_Part3_GroundTruth.csv'),
    );
    expect(training.format).toBe('isic2017-labels');
    expect(training.problems).toEqual([]);
    expect(training.labels).toHaveLength(12);
    const count = (cls: string) => training.labels.filter((row) => row.label === cls).length;
    expect([count('nevus'), count('melanoma'), count('seborrheic_keratosis')]).toEqual([4, 4, 4]);
    expect(training.labels[3]).toEqual(label('ISIC_0000004', 'melanoma', 'melanoma'));

    const text = sample('ISIC-2017_Validation_Part3_GroundTruth.csv');
    expect(text).toContain('\r\n');
    const validation = parseIsicCsv('ISIC-2017_Validation_Part3_GroundTruth.csv', text);
    expect(validation).toStrictEqual({
      format: 'isic2017-labels',
      labels: [label('ISIC_0009995', 'nevus', 'nevus'), label('ISIC_0010459', 'nevus', 'nevus')],
      metadata: [],
      problems: [],
    });
  });
});
