/** Tests for parseIsicCsv: every ISIC layout, refused rows, encodings and the real 2017 sample. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageKey } from '../ids.ts';
import type { LabelRow, MetadataRow } from '../types.ts';
import { parseIsicCsv } from './parseIsicCsv.ts';

const F = 'labels.csv';
const csv = (...lines: string[]): string => lines.join('\n') + '\n';
const ignored = (id: string, what: string) => ({
  file: F,
  reason: `row ${id}: ${what}; the row is ignored`,
  key: id.toLowerCase(),
});
const label = (
  id: string,
  label: LabelRow['label'],
  diagnosis: string,
  group?: string,
): LabelRow => ({
  id,
  key: id.toLowerCase(),
  label,
  diagnosis,
  ...(group === undefined ? {} : { group }),
});
const meta = (
  id: string,
  age: number | null,
  sex: string | null,
  site: string | null,
  group?: string,
): MetadataRow => ({
  id,
  key: id.toLowerCase(),
  age,
  sex,
  site,
  ...(group === undefined ? {} : { group }),
});

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

describe('parseIsicCsv: ISIC 2018 Task 3 labels', () => {
  const header = 'image,MEL,NV,BCC,AKIEC,BKL,DF,VASC';

  it('maps MEL, NV and BKL, and leaves other classes out with a null label', () => {
    const result = parseIsicCsv(
      F,
      csv(
        header,
        'ISIC_0024306,0.0,1.0,0.0,0.0,0.0,0.0,0.0',
        'ISIC_0024310,1.0,0.0,0.0,0.0,0.0,0.0,0.0',
        'ISIC_0024312,0.0,0.0,0.0,0.0,1.0,0.0,0.0',
        'ISIC_0024331,0.0,0.0,1.0,0.0,0.0,0.0,0.0',
        'ISIC_0024318,0.0,0.0,0.0,0.0,0.0,0.0,1.0',
      ),
    );
    expect(result).toStrictEqual({
      format: 'isic2018-task3-labels',
      labels: [
        label('ISIC_0024306', 'nevus', 'NV'),
        label('ISIC_0024310', 'melanoma', 'MEL'),
        label('ISIC_0024312', 'seborrheic_keratosis', 'BKL'),
        label('ISIC_0024331', null, 'BCC'),
        label('ISIC_0024318', null, 'VASC'),
      ],
      metadata: [],
      problems: [],
    });
  });

  it('refuses rows with no class set and with two classes set', () => {
    const result = parseIsicCsv(
      F,
      csv(
        header.toLowerCase(),
        'ISIC_0024306,0.0,1.0,0.0,0.0,0.0,0.0,0.0',
        'ISIC_0024307,0.0,0.0,0.0,0.0,0.0,0.0,0.0',
        'ISIC_0024308,1.0,1.0,0.0,0.0,0.0,0.0,0.0',
        'ISIC_0024309,0.0,0.0,0.0,0.0,0.0,2.0,0.0',
        'ISIC_0024310,1.0,0.0,0.0,0.0,0.0,0.0,0.0',
      ),
    );
    expect(result.format).toBe('isic2018-task3-labels');
    expect(result.labels.map((row) => row.id)).toEqual(['ISIC_0024306', 'ISIC_0024310']);
    expect(result.problems).toEqual([
      ignored('ISIC_0024307', 'no class column is 1 (MEL, NV, BCC, AKIEC, BKL, DF, VASC)'),
      ignored('ISIC_0024308', 'more than one class is set (MEL, NV)'),
      ignored('ISIC_0024309', 'DF is "2.0", expected 0 or 1'),
    ]);
  });
});

describe('parseIsicCsv: HAM10000 metadata', () => {
  const header = 'lesion_id,image_id,dx,dx_type,age,sex,localization';

  it('gives a label row and a metadata row per image, grouped by lesion', () => {
    const result = parseIsicCsv(
      'HAM10000_metadata.csv',
      csv(
        header,
        'HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp',
        'HAM_0002730,ISIC_0026769,mel,histo,,female,back',
        'HAM_0001466,ISIC_0031633,nv,follow_up,75.0,unknown,unknown',
        'HAM_0002761,ISIC_0029176,bcc,histo,60.0,male,face',
      ),
    );
    expect(result).toStrictEqual({
      format: 'ham10000-metadata',
      labels: [
        label('ISIC_0027419', 'seborrheic_keratosis', 'bkl', 'HAM_0000118'),
        label('ISIC_0026769', 'melanoma', 'mel', 'HAM_0002730'),
        label('ISIC_0031633', 'nevus', 'nv', 'HAM_0001466'),
        label('ISIC_0029176', null, 'bcc', 'HAM_0002761'),
      ],
      metadata: [
        meta('ISIC_0027419', 80, 'male', 'scalp', 'HAM_0000118'),
        meta('ISIC_0026769', null, 'female', 'back', 'HAM_0002730'),
        meta('ISIC_0031633', 75, null, null, 'HAM_0001466'),
        meta('ISIC_0029176', 60, 'male', 'face', 'HAM_0002761'),
      ],
      problems: [],
    });
  });

  it('refuses an unknown dx, dropping both its label and metadata rows', () => {
    const result = parseIsicCsv(
      F,
      csv(
        header,
        'HAM_0000118,ISIC_0027419,bkl,histo,80.0,male,scalp',
        'HAM_0000119,ISIC_0027420,scc,histo,70.0,male,scalp',
        'HAM_0000120,ISIC_0027421,nv,histo,30.0,female,trunk',
      ),
    );
    expect(result.labels.map((row) => row.id)).toEqual(['ISIC_0027419', 'ISIC_0027421']);
    expect(result.metadata.map((row) => row.id)).toEqual(['ISIC_0027419', 'ISIC_0027421']);
    expect(result.problems).toEqual([
      ignored(
        'ISIC_0027420',
        'dx "scc" is not a HAM10000 diagnosis (mel, nv, bkl, bcc, akiec, df, vasc)',
      ),
    ]);
  });
});

describe('parseIsicCsv: ISIC 2019', () => {
  it('maps the one-hot labels and keeps _downsampled ids as written', () => {
    const result = parseIsicCsv(
      'data.zip/ISIC_2019_Training_GroundTruth.csv',
      csv(
        'image,MEL,NV,BCC,AK,BKL,DF,VASC,SCC,UNK',
        'ISIC_0000000,0.0,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0',
        'ISIC_0000002,1.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0',
        'ISIC_0000000_downsampled,0.0,0.0,0.0,0.0,1.0,0.0,0.0,0.0,0.0',
        'ISIC_0053453,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1.0,0.0',
        'ISIC_0053454,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0,0.0',
      ),
    );
    expect(result).toStrictEqual({
      format: 'isic2019-labels',
      labels: [
        label('ISIC_0000000', 'nevus', 'NV'),
        label('ISIC_0000002', 'melanoma', 'MEL'),
        label('ISIC_0000000_downsampled', 'seborrheic_keratosis', 'BKL'),
        label('ISIC_0053453', null, 'SCC'),
      ],
      metadata: [],
      problems: [
        {
          file: 'data.zip/ISIC_2019_Training_GroundTruth.csv',
          reason:
            'row ISIC_0053454: no class column is 1 (MEL, NV, BCC, AK, BKL, DF, VASC, SCC, UNK); the row is ignored',
          key: 'isic_0053454',
        },
      ],
    });
  });

  it('reads the metadata with lesion groups where given', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'image,age_approx,anatom_site_general,lesion_id,sex',
        'ISIC_0000000,55.0,anterior torso,,female',
        'ISIC_0000001,,,,',
        'ISIC_0012653_downsampled,45.0,lower extremity,BCN_0003925,male',
      ),
    );
    expect(result).toStrictEqual({
      format: 'isic2019-metadata',
      labels: [],
      metadata: [
        meta('ISIC_0000000', 55, 'female', 'anterior torso'),
        meta('ISIC_0000001', null, null, null),
        meta('ISIC_0012653_downsampled', 45, 'male', 'lower extremity', 'BCN_0003925'),
      ],
      problems: [],
    });
  });
});

describe('parseIsicCsv: ISIC 2020', () => {
  const v1 =
    'image_name,patient_id,sex,age_approx,anatom_site_general_challenge,diagnosis,benign_malignant,target';

  it('maps target and diagnosis, grouped by patient, with metadata', () => {
    const result = parseIsicCsv(
      F,
      csv(
        v1,
        'ISIC_2637011,IP_7279968,male,45.0,head/neck,unknown,benign,0',
        'ISIC_0015719,IP_3075186,female,45.0,upper extremity,unknown,benign,0',
        'ISIC_0149568,IP_0962375,female,55.0,upper extremity,melanoma,malignant,1',
        'ISIC_0078712,IP_2244826,male,,torso,nevus,benign,0',
        'ISIC_0080817,IP_4248414,male,60.0,,seborrheic keratosis,benign,0',
        'ISIC_0082543,IP_3417425,female,40.0,torso,lentigo NOS,benign,0',
      ),
    );
    expect(result.format).toBe('isic2020-labels');
    expect(result.labels).toStrictEqual([
      label('ISIC_2637011', null, 'unknown', 'IP_7279968'),
      label('ISIC_0015719', null, 'unknown', 'IP_3075186'),
      label('ISIC_0149568', 'melanoma', 'melanoma', 'IP_0962375'),
      label('ISIC_0078712', 'nevus', 'nevus', 'IP_2244826'),
      label('ISIC_0080817', 'seborrheic_keratosis', 'seborrheic keratosis', 'IP_4248414'),
      label('ISIC_0082543', null, 'lentigo NOS', 'IP_3417425'),
    ]);
    expect(result.metadata).toStrictEqual([
      meta('ISIC_2637011', 45, 'male', 'head/neck', 'IP_7279968'),
      meta('ISIC_0015719', 45, 'female', 'upper extremity', 'IP_3075186'),
      meta('ISIC_0149568', 55, 'female', 'upper extremity', 'IP_0962375'),
      meta('ISIC_0078712', null, 'male', 'torso', 'IP_2244826'),
      meta('ISIC_0080817', 60, 'male', null, 'IP_4248414'),
      meta('ISIC_0082543', 40, 'female', 'torso', 'IP_3417425'),
    ]);
    expect(result.problems).toEqual([]);
  });

  it('accepts the v2 columns (with lesion_id) in another order, and refuses a bad target', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'image_name,patient_id,lesion_id,sex,age_approx,anatom_site_general_challenge,diagnosis,benign_malignant,target',
        'ISIC_2637011,IP_7279968,IL_7972535,male,45.0,head/neck,nevus,benign,0',
        'ISIC_0015719,IP_3075186,IL_4649854,female,45.0,upper extremity,unknown,benign,2',
        'ISIC_0149568,IP_0962375,IL_9520694,female,55.0,upper extremity,melanoma,malignant,1.0',
      ),
    );
    expect(result.format).toBe('isic2020-labels');
    expect(result.labels).toStrictEqual([
      label('ISIC_2637011', 'nevus', 'nevus', 'IP_7279968'),
      label('ISIC_0149568', 'melanoma', 'melanoma', 'IP_0962375'),
    ]);
    expect(result.metadata.map((row) => row.id)).toEqual(['ISIC_2637011', 'ISIC_0149568']);
    expect(result.problems).toEqual([ignored('ISIC_0015719', 'target is "2", expected 0 or 1')]);
  });

  it('does not take the 2020 test metadata for a known layout', () => {
    const result = parseIsicCsv(
      F,
      csv('image,patient,sex,age_approx,anatom_site_general', 'ISIC_0052060,IP_3579794,male,70,'),
    );
    expect(result.format).toBeNull();
    expect(result.problems).toHaveLength(1);
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

describe('parseIsicCsv: the real ISIC 2017 sample', () => {
  const sample = (name: string): string =>
    readFileSync(new URL(`../../../../shared/real-isic-sample/${name}`, import.meta.url), 'utf8');

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
