/** parseIsicCsv on the ISIC 2018 Task 3, HAM10000, ISIC 2019 and ISIC 2020 files. */
import { describe, expect, it } from 'vitest';
import { parseIsicCsv } from './parseIsicCsv.ts';
import { F, csv, ignored, label, meta } from './testRows.ts';

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
        'ISIC_0082544,IP_3417425,female,40.0,torso,solar lentigo,benign,0',
        'ISIC_0082545,IP_3417425,female,40.0,torso,lichenoid keratosis,benign,0',
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
      // Benign keratosis-like, as the Archive's and HAM10000's bkl are taken.
      label('ISIC_0082544', 'seborrheic_keratosis', 'solar lentigo', 'IP_3417425'),
      label('ISIC_0082545', 'seborrheic_keratosis', 'lichenoid keratosis', 'IP_3417425'),
    ]);
    expect(result.metadata).toStrictEqual([
      meta('ISIC_2637011', 45, 'male', 'head/neck', 'IP_7279968'),
      meta('ISIC_0015719', 45, 'female', 'upper extremity', 'IP_3075186'),
      meta('ISIC_0149568', 55, 'female', 'upper extremity', 'IP_0962375'),
      meta('ISIC_0078712', null, 'male', 'torso', 'IP_2244826'),
      meta('ISIC_0080817', 60, 'male', null, 'IP_4248414'),
      meta('ISIC_0082543', 40, 'female', 'torso', 'IP_3417425'),
      meta('ISIC_0082544', 40, 'female', 'torso', 'IP_3417425'),
      meta('ISIC_0082545', 40, 'female', 'torso', 'IP_3417425'),
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
