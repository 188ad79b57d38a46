/** parseIsicCsv on the ISIC 2016 and 2017 files, and files it cannot read. */
import { describe, expect, it } from 'vitest';
import { imageKey } from '../ids.ts';
import { parseIsicCsv } from './parseIsicCsv.ts';
import { F, csv, ignored, label, meta } from './testRows.ts';

describe('parseIsicCsv: ISIC 2017 labels', () => {
  it('maps melanoma, seborrheic_keratosis and nevus', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'image_id,melanoma,seborrheic_keratosis',
        'ISIC_0000000,0.0,0.0',
        'ISIC_0000001,1.0,0.0',
        'ISIC_0000002,0.0,1.0',
        'ISIC_0000003,1,0',
      ),
    );
    expect(result).toStrictEqual({
      format: 'isic2017-labels',
      labels: [
        label('ISIC_0000000', 'nevus', 'nevus'),
        label('ISIC_0000001', 'melanoma', 'melanoma'),
        label('ISIC_0000002', 'seborrheic_keratosis', 'seborrheic_keratosis'),
        label('ISIC_0000003', 'melanoma', 'melanoma'),
      ],
      metadata: [],
      problems: [],
    });
  });

  it('refuses a row with both classes set, and only that row', () => {
    const result = parseIsicCsv(
      'ISIC-2017_Training_Part3_GroundTruth.csv',
      csv(
        'image_id,melanoma,seborrheic_keratosis',
        'ISIC_0000004,1.0,0.0',
        'ISIC_0000005,1.0,1.0',
        'ISIC_0000006,0.0,0.0',
      ),
    );
    expect(result.labels.map((row) => row.id)).toEqual(['ISIC_0000004', 'ISIC_0000006']);
    expect(result.problems).toEqual([
      {
        file: 'ISIC-2017_Training_Part3_GroundTruth.csv',
        reason:
          'row ISIC_0000005: both melanoma and seborrheic_keratosis are set (1.0); the row is ignored',
        key: 'isic_0000005',
      },
    ]);
  });

  it('refuses a value that is not 0 or 1, naming the column and the value', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'image_id,melanoma,seborrheic_keratosis',
        'ISIC_0000001,0.0,0.0',
        'ISIC_0000002,0.5,0.0',
        'ISIC_0000003,0.0,yes',
        'ISIC_0000004,0.0,1.0',
      ),
    );
    expect(result.labels.map((row) => row.id)).toEqual(['ISIC_0000001', 'ISIC_0000004']);
    expect(result.problems).toEqual([
      ignored('ISIC_0000002', 'melanoma is "0.5", expected 0 or 1'),
      ignored('ISIC_0000003', 'seborrheic_keratosis is "yes", expected 0 or 1'),
    ]);
  });

  it('handles a BOM, CRLF, trailing empty lines, padded cells and header case', () => {
    const text =
      '\uFEFFImage_ID , Melanoma,SEBORRHEIC_KERATOSIS\r\n' +
      ' ISIC_0000001 , 1.0 ,0.0\r\n' +
      'ISIC_0000002,0.0,0.0\r\n' +
      '\r\n\r\n';
    expect(parseIsicCsv(F, text)).toStrictEqual({
      format: 'isic2017-labels',
      labels: [
        label('ISIC_0000001', 'melanoma', 'melanoma'),
        label('ISIC_0000002', 'nevus', 'nevus'),
      ],
      metadata: [],
      problems: [],
    });
  });

  it('gives a lower-case id the same key as its upper-case form, and shows it upper-cased', () => {
    const result = parseIsicCsv(
      F,
      csv('image_id,melanoma,seborrheic_keratosis', 'isic_0000001,1.0,0.0', 'ISIC_0000002,0,0'),
    );
    const [lower, upper] = result.labels;
    expect(lower?.key).toBe(imageKey('ISIC_0000001'));
    expect(lower?.key).toBe('isic_0000001');
    expect(lower?.id).toBe('ISIC_0000001');
    expect(upper?.key).toBe('isic_0000002');
  });

  it('keeps the first of two rows with one id and reports the second', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'image_id,melanoma,seborrheic_keratosis',
        'ISIC_0000001,1.0,0.0',
        'ISIC_0000002,0.0,0.0',
        'isic_0000001,0.0,1.0',
      ),
    );
    expect(result.labels).toEqual([
      label('ISIC_0000001', 'melanoma', 'melanoma'),
      label('ISIC_0000002', 'nevus', 'nevus'),
    ]);
    expect(result.problems).toEqual([
      {
        file: F,
        reason:
          'row ISIC_0000001 (line 4): the image id already appears on line 2; this later row is ignored',
      },
    ]);
  });

  it('refuses a row without an image id, naming its line', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'image_id,melanoma,seborrheic_keratosis',
        'ISIC_0000001,1.0,0.0',
        ' ,0.0,0.0',
        'ISIC_0000003,0.0,0.0',
      ),
    );
    expect(result.labels.map((row) => row.id)).toEqual(['ISIC_0000001', 'ISIC_0000003']);
    expect(result.problems).toEqual([
      { file: F, reason: 'line 3: no image id in the image_id column; the row is ignored' },
    ]);
  });
});

describe('parseIsicCsv: ISIC 2017 metadata', () => {
  it('reads age and sex, with unknown as null', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'image_id,age_approximate,sex',
        'ISIC_0000000,55,female',
        'ISIC_0000001,unknown,male',
        'ISIC_0000002,30,unknown',
      ),
    );
    expect(result).toStrictEqual({
      format: 'isic2017-metadata',
      labels: [],
      metadata: [
        meta('ISIC_0000000', 55, 'female', null),
        meta('ISIC_0000001', null, 'male', null),
        meta('ISIC_0000002', 30, null, null),
      ],
      problems: [],
    });
  });

  it('refuses an age that is not a number', () => {
    const result = parseIsicCsv(
      F,
      csv('image_id,age_approximate,sex', 'ISIC_0000000,old,female', 'ISIC_0000001,40,male'),
    );
    expect(result.metadata).toEqual([meta('ISIC_0000001', 40, 'male', null)]);
    expect(result.problems).toEqual([
      ignored('ISIC_0000000', 'age_approximate is "old", expected an age in years'),
    ]);
  });
});

describe('parseIsicCsv: ISIC 2016 labels (no header)', () => {
  it('reads the training file: benign is nevus, malignant is melanoma', () => {
    const result = parseIsicCsv(
      F,
      csv('ISIC_0000000,benign', 'ISIC_0000002,malignant', 'ISIC_0000003,Benign'),
    );
    expect(result).toStrictEqual({
      format: 'isic2016-labels',
      labels: [
        label('ISIC_0000000', 'nevus', 'benign'),
        label('ISIC_0000002', 'melanoma', 'malignant'),
        label('ISIC_0000003', 'nevus', 'Benign'),
      ],
      metadata: [],
      problems: [],
    });
  });

  it('reads the test file: 0.0 is nevus, 1.0 is melanoma, and refuses other values', () => {
    const result = parseIsicCsv(
      F,
      csv('ISIC_0000003,0.0', 'ISIC_0000012,1.0', 'ISIC_0000013,maybe', 'ISIC_0000014,0'),
    );
    expect(result.format).toBe('isic2016-labels');
    expect(result.labels).toEqual([
      label('ISIC_0000003', 'nevus', '0.0'),
      label('ISIC_0000012', 'melanoma', '1.0'),
      label('ISIC_0000014', 'nevus', '0'),
    ]);
    expect(result.problems).toEqual([
      ignored('ISIC_0000013', '"maybe" is neither benign/malignant nor 0/1'),
    ]);
  });
});

describe('parseIsicCsv: files it cannot read', () => {
  it('refuses an unknown header with one problem that lists the header', () => {
    expect(parseIsicCsv(F, csv('name,class', 'a.jpg,mel'))).toStrictEqual({
      format: null,
      labels: [],
      metadata: [],
      problems: [
        {
          file: F,
          reason:
            'unknown CSV header: name, class; this is not an ISIC label or metadata file ' +
            'that Lesion Lab recognises, so the file is ignored',
        },
      ],
    });
  });

  it('refuses a file with no rows', () => {
    const empty = {
      format: null,
      labels: [],
      metadata: [],
      problems: [{ file: F, reason: 'empty CSV file' }],
    };
    expect(parseIsicCsv(F, '')).toStrictEqual(empty);
    expect(parseIsicCsv(F, '\uFEFF\r\n\r\n')).toStrictEqual(empty);
  });

  it('reads a known header with no data rows as an empty file of that layout', () => {
    expect(parseIsicCsv(F, 'image_id,melanoma,seborrheic_keratosis\r\n')).toStrictEqual({
      format: 'isic2017-labels',
      labels: [],
      metadata: [],
      problems: [],
    });
  });
});
