/** parseIsicCsv on the ISIC Archive's metadata.csv, as 2025 and older downloads write it. */
import { describe, expect, it } from 'vitest';
import { parseIsicCsv } from './parseIsicCsv.ts';
import { csv, label } from './testRows.ts';

const F = 'gallery.zip/metadata.csv';

describe('parseIsicCsv: ISIC Archive metadata.csv (2024 taxonomy)', () => {
  const header =
    'isic_id,attribution,copyright_license,age_approx,anatom_site_general,concomitant_biopsy,' +
    'diagnosis_1,diagnosis_2,diagnosis_3,diagnosis_4,image_type,lesion_id,patient_id,sex';
  const row = (
    id: string,
    levels: [string, string?, string?, string?],
    extra: { licence?: string; lesion?: string; patient?: string; age?: string } = {},
  ) =>
    [
      id,
      'Anonymous',
      extra.licence ?? 'CC-0',
      extra.age ?? '55',
      'posterior torso',
      'True',
      ...levels.map((level) => (level?.includes(',') ? `"${level}"` : (level ?? ''))),
      ...Array(4 - levels.length).fill(''),
      'dermoscopic',
      extra.lesion ?? '',
      extra.patient ?? '',
      'female',
    ].join(',');

  it('maps the hierarchical diagnosis to the three classes and leaves the rest out', () => {
    const result = parseIsicCsv(
      F,
      csv(
        header,
        row('ISIC_0000001', [
          'Malignant',
          'Malignant melanocytic proliferations (Melanoma)',
          'Melanoma Invasive',
          'Superficial spreading melanoma',
        ]),
        row('ISIC_0000002', [
          'Malignant',
          'Malignant melanocytic proliferations (Melanoma)',
          'Melanoma, NOS',
        ]),
        row('ISIC_0000003', ['Benign', 'Benign melanocytic proliferations', 'Nevus', 'Nevus, NOS']),
        row('ISIC_0000004', ['Benign', 'Benign epidermal proliferations', 'Seborrheic keratosis']),
        row('ISIC_0000005', [
          'Benign',
          'Benign epidermal proliferations',
          'Pigmented benign keratosis',
        ]),
        row('ISIC_0000006', ['Benign', 'Benign epidermal proliferations', 'Solar lentigo']),
        row('ISIC_0000007', [
          'Malignant',
          'Malignant adnexal epithelial proliferations - Follicular',
          'Basal cell carcinoma',
        ]),
        row('ISIC_0000008', ['Benign', 'Collision - Only benign proliferations']),
        row('ISIC_0000009', ['Indeterminate']),
        row('ISIC_0000010', ['Benign']),
      ),
    );
    expect(result.format).toBe('isic-archive-metadata');
    expect(result.problems).toEqual([]);
    expect(result.labels).toStrictEqual([
      label('ISIC_0000001', 'melanoma', 'Superficial spreading melanoma'),
      label('ISIC_0000002', 'melanoma', 'Melanoma, NOS'),
      label('ISIC_0000003', 'nevus', 'Nevus, NOS'),
      label('ISIC_0000004', 'seborrheic_keratosis', 'Seborrheic keratosis'),
      label('ISIC_0000005', 'seborrheic_keratosis', 'Pigmented benign keratosis'),
      label('ISIC_0000006', 'seborrheic_keratosis', 'Solar lentigo'),
      label('ISIC_0000007', null, 'Basal cell carcinoma'),
      label('ISIC_0000008', null, 'Collision - Only benign proliferations'),
      label('ISIC_0000009', null, 'Indeterminate'),
      label('ISIC_0000010', null, 'Benign'),
    ]);
  });

  it('refuses a level the ISIC taxonomy does not have, naming the column and the value', () => {
    const result = parseIsicCsv(
      F,
      csv(
        header,
        row('ISIC_0000001', ['Benign', 'Benign fantasy proliferations', 'Nevus']),
        row('ISIC_0000002', ['Malignant', 'Benign melanocytic proliferations', 'Nevus']),
        row('ISIC_0000003', ['Probably fine']),
        row('ISIC_0000004', ['benign', 'benign melanocytic proliferations', 'nevus']),
      ),
    );
    expect(result.labels).toStrictEqual([label('ISIC_0000004', 'nevus', 'nevus')]);
    expect(result.problems.map((p) => [p.key, p.reason])).toEqual([
      [
        'isic_0000001',
        'row ISIC_0000001: diagnosis_2 is "Benign fantasy proliferations", which the ISIC ' +
          'diagnosis taxonomy does not have under "Benign"; the row is ignored',
      ],
      [
        'isic_0000002',
        'row ISIC_0000002: diagnosis_2 is "Benign melanocytic proliferations", which the ISIC ' +
          'diagnosis taxonomy does not have under "Malignant"; the row is ignored',
      ],
      [
        'isic_0000003',
        'row ISIC_0000003: diagnosis_1 is "Probably fine", which is not a first level of the ' +
          'ISIC diagnosis taxonomy (Benign, Malignant, Indeterminate); the row is ignored',
      ],
    ]);
  });

  it('keeps the licence, attribution, age, sex, site and the patient (else lesion) group', () => {
    const result = parseIsicCsv(
      F,
      csv(
        header,
        row('ISIC_0000001', ['Benign', 'Benign melanocytic proliferations', 'Nevus'], {
          licence: 'CC-BY-NC',
          lesion: 'IL_0000001',
          patient: 'IP_0000001',
        }),
        row('ISIC_0000002', ['Benign', 'Benign melanocytic proliferations', 'Nevus'], {
          licence: 'CC-BY',
          lesion: 'IL_0000002',
          age: '',
        }),
      ),
    );
    expect(result.labels.map((l) => [l.group, l.groupBy])).toEqual([
      ['IP_0000001', 'patient'],
      ['IL_0000002', 'lesion'],
    ]);
    expect(result.metadata).toStrictEqual([
      {
        id: 'ISIC_0000001',
        key: 'isic_0000001',
        age: 55,
        sex: 'female',
        site: 'posterior torso',
        group: 'IP_0000001',
        groupBy: 'patient',
        licence: 'CC-BY-NC',
        attribution: 'Anonymous',
      },
      {
        id: 'ISIC_0000002',
        key: 'isic_0000002',
        age: null,
        sex: 'female',
        site: 'posterior torso',
        group: 'IL_0000002',
        groupBy: 'lesion',
        licence: 'CC-BY',
        attribution: 'Anonymous',
      },
    ]);
  });

  it('strips the TAB the Archive puts before a value starting with =, -, + or @', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'isic_id,attribution,copyright_license,diagnosis_1,lesion_id',
        'ISIC_0000001,\t-Hospital Clínic de Barcelona,CC-BY,Benign,\t=IL_1',
        'ISIC_0000002,\t@dermatology,CC-BY,Benign,\t+IL_2',
      ),
    );
    expect(result.metadata.map((m) => m.attribution)).toEqual([
      '-Hospital Clínic de Barcelona',
      '@dermatology',
    ]);
    expect(result.labels.map((l) => l.group)).toEqual(['=IL_1', '+IL_2']);
  });

  it('reads a file with only the three leading columns as licences, without labels', () => {
    const result = parseIsicCsv(
      F,
      csv('isic_id,attribution,copyright_license', 'ISIC_0000001,Anonymous,CC-0'),
    );
    expect(result.format).toBe('isic-archive-metadata');
    expect(result.labels).toEqual([]);
    expect(result.metadata).toMatchObject([{ id: 'ISIC_0000001', licence: 'CC-0' }]);
  });

  it('counts a row with no diagnosis as "no diagnosis", left out', () => {
    const result = parseIsicCsv(
      F,
      csv('isic_id,attribution,copyright_license,diagnosis_1', 'ISIC_0000001,Anonymous,CC-0,'),
    );
    expect(result.labels).toStrictEqual([label('ISIC_0000001', null, 'no diagnosis')]);
  });

  it('refuses a file without an isic_id column, naming the file', () => {
    const result = parseIsicCsv(
      F,
      csv('image,attribution,copyright_license,diagnosis_1', 'ISIC_0000001,Anonymous,CC-0,Benign'),
    );
    expect(result).toStrictEqual({
      format: null,
      labels: [],
      metadata: [],
      problems: [
        {
          file: F,
          reason:
            'this looks like an ISIC Archive metadata file, but it has no isic_id column, so ' +
            'its rows cannot be matched to images; the file is ignored',
        },
      ],
    });
  });

  it('refuses a row whose age is not a number, and keeps the others', () => {
    const result = parseIsicCsv(
      F,
      csv(
        'isic_id,attribution,copyright_license,age_approx,diagnosis_1',
        'ISIC_0000001,Anonymous,CC-0,old,Benign',
        'ISIC_0000002,Anonymous,CC-0,40,Benign',
      ),
    );
    expect(result.labels.map((l) => l.id)).toEqual(['ISIC_0000002']);
    expect(result.problems).toEqual([
      {
        file: F,
        key: 'isic_0000001',
        reason:
          'row ISIC_0000001: age_approx is "old", expected an age in years; the row is ignored',
      },
    ]);
  });

  it('still calls a CSV with isic_id alone an unknown header', () => {
    const result = parseIsicCsv(F, csv('isic_id,score', 'ISIC_0000001,0.5'));
    expect(result.format).toBeNull();
    expect(result.problems[0]?.reason).toMatch(/^unknown CSV header: isic_id, score/);
  });
});

describe('parseIsicCsv: ISIC Archive metadata.csv before 2025 (diagnosis, benign_malignant)', () => {
  const header =
    'isic_id,attribution,copyright_license,age_approx,anatom_site_general,benign_malignant,' +
    'diagnosis,diagnosis_confirm_type,image_type,lesion_id,melanocytic,patient_id,sex';

  it('maps melanoma, nevus and seborrheic keratosis, and leaves other diagnoses out', () => {
    const result = parseIsicCsv(
      F,
      csv(
        header,
        'ISIC_0000001,Anonymous,CC-0,60,head/neck,malignant,melanoma,histopathology,dermoscopic,IL_1,True,IP_1,male',
        'ISIC_0000002,Anonymous,CC-BY,30,lower extremity,benign,nevus,serial imaging showing no change,dermoscopic,IL_2,True,,female',
        'ISIC_0000003,Anonymous,CC-BY-NC,70,anterior torso,benign,seborrheic keratosis,histopathology,dermoscopic,,False,,male',
        'ISIC_0000004,Anonymous,CC-BY-NC,70,,benign,pigmented benign keratosis,histopathology,dermoscopic,,False,,male',
        'ISIC_0000005,Anonymous,CC-0,80,,malignant,basal cell carcinoma,histopathology,dermoscopic,,False,,male',
        'ISIC_0000006,Anonymous,CC-0,,,benign,,,dermoscopic,,,,',
        'ISIC_0000007,Anonymous,CC-0,,,,,,dermoscopic,,,,',
        'ISIC_0000008,Anonymous,CC-0,50,,benign,melanoma,histopathology,dermoscopic,,True,,male',
      ),
    );
    expect(result.format).toBe('isic-archive-metadata');
    expect(result.labels).toStrictEqual([
      label('ISIC_0000001', 'melanoma', 'melanoma', 'IP_1'),
      label('ISIC_0000002', 'nevus', 'nevus', 'IL_2'),
      label('ISIC_0000003', 'seborrheic_keratosis', 'seborrheic keratosis'),
      label('ISIC_0000004', 'seborrheic_keratosis', 'pigmented benign keratosis'),
      label('ISIC_0000005', null, 'basal cell carcinoma'),
      label('ISIC_0000006', null, 'benign'),
      label('ISIC_0000007', null, 'no diagnosis'),
    ]);
    expect(result.metadata[0]).toStrictEqual({
      id: 'ISIC_0000001',
      key: 'isic_0000001',
      age: 60,
      sex: 'male',
      site: 'head/neck',
      group: 'IP_1',
      groupBy: 'patient',
      licence: 'CC-0',
      attribution: 'Anonymous',
    });
    expect(result.problems).toEqual([
      {
        file: F,
        key: 'isic_0000008',
        reason:
          'row ISIC_0000008: diagnosis is melanoma but benign_malignant is benign; the row is ignored',
      },
    ]);
  });
});
