import { describe, expect, it } from 'vitest';
import { emptyManifest, type DatasetManifest, type SourceEntry } from './manifest.ts';
import { summarize } from './summary.ts';
import type { LesionClass, Split } from './types.ts';

const T = 'ISIC-2017_Training_Data';
const LABELS = 'ISIC-2017_Training_Part3_GroundTruth.csv';

function entry(id: string, folderSplit: Split | null, size = 100, dir = T): SourceEntry {
  return { id, source: `${dir}/${id}.jpg`, width: size, height: size, folderSplit };
}

function manifest(patch: Partial<DatasetManifest>): DatasetManifest {
  return { ...emptyManifest(64, new Date(0)), ...patch };
}

function label(id: string, value: LesionClass | null, diagnosis: string = value ?? 'BCC') {
  return {
    id,
    key: id.toLowerCase(),
    label: value,
    diagnosis,
    source: LABELS,
    fileSplit: 'train' as const,
  };
}

describe('summarize', () => {
  it('counts images per split and class, and masks only where they match the image size', () => {
    const m = manifest({
      images: {
        isic_1: entry('ISIC_1', 'train'),
        isic_2: entry('ISIC_2', 'train'),
        isic_3: entry('ISIC_3', 'val'),
      },
      masks: {
        isic_1: entry('ISIC_1', 'train'),
        isic_2: entry('ISIC_2', 'train', 50, 'masks'),
        isic_3: entry('ISIC_3', 'val'),
      },
      labels: {
        isic_1: label('ISIC_1', 'melanoma'),
        isic_2: label('ISIC_2', 'nevus'),
        isic_3: label('ISIC_3', 'seborrheic_keratosis'),
      },
      labelFiles: [LABELS],
    });
    const { counts, rows, problems } = summarize(m);
    expect(counts.train).toEqual({
      nevus: 1,
      melanoma: 1,
      seborrheic_keratosis: 0,
      other: 0,
      unlabeled: 0,
      masks: 1,
      total: 2,
    });
    expect(counts.val.seborrheic_keratosis).toBe(1);
    expect(rows.map((r) => [r.id, r.split, r.label, r.hasMask])).toEqual([
      ['ISIC_1', 'train', 'melanoma', true],
      ['ISIC_2', 'train', 'nevus', false],
      ['ISIC_3', 'val', 'seborrheic_keratosis', true],
    ]);
    expect(problems).toEqual([
      {
        file: 'masks/ISIC_2.jpg',
        reason: 'the mask is 50x50 but its image ISIC_2 is 100x100; the mask is not used',
      },
    ]);
  });

  it('reports an image without a label row once label files exist, and not before', () => {
    const images = { isic_9: entry('ISIC_9', 'train') };
    expect(summarize(manifest({ images })).problems).toEqual([]);
    const labelled = summarize(
      manifest({ images, labels: { isic_1: label('ISIC_1', 'nevus') }, labelFiles: [LABELS] }),
    );
    expect(labelled.problems.map((p) => p.reason)).toEqual([
      'no label row for ISIC_9 in the label files; counted as unlabeled',
      'row ISIC_1: there is no image ISIC_1',
    ]);
    expect(labelled.counts.train.unlabeled).toBe(1);
  });

  it('does not report again what was already reported: refused rows and refused images', () => {
    const m = manifest({
      images: { isic_1: entry('ISIC_1', 'train') },
      labels: { isic_2: label('ISIC_2', 'nevus') },
      masks: { isic_2: entry('ISIC_2', 'train') },
      refusedRows: { isic_1: LABELS },
      refused: { isic_2: `${T}/ISIC_2.jpg` },
      labelFiles: [LABELS],
    });
    expect(summarize(m).problems).toEqual([]);
  });

  it('waits for the images of a split before reporting its rows and masks as orphans', () => {
    const m = manifest({
      images: { isic_1: entry('ISIC_1', 'train') },
      labels: {
        isic_1: label('ISIC_1', 'nevus'),
        isic_5: { ...label('ISIC_5', 'nevus'), fileSplit: 'test' },
      },
      masks: { isic_6: entry('ISIC_6', 'test') },
      labelFiles: [LABELS],
    });
    expect(summarize(m).problems).toEqual([]);
  });

  it('leaves out diagnoses outside the three classes and counts them by diagnosis', () => {
    const m = manifest({
      images: { isic_1: entry('ISIC_1', null), isic_2: entry('ISIC_2', null) },
      labels: {
        // Stored, but only "benign": no definite kind of lesion, so not an "other" image.
        isic_1: label('ISIC_1', null, 'benign'),
        isic_2: label('ISIC_2', 'melanoma'),
        isic_3: label('ISIC_3', null, 'BCC'),
        isic_4: label('ISIC_4', null, 'BCC'),
      },
      leftOut: { isic_3: 'x/ISIC_3.jpg', isic_4: 'x/ISIC_4.jpg' },
      labelFiles: [LABELS],
    });
    const summary = summarize(m);
    expect(summary.leftOut).toEqual([
      { diagnosis: 'BCC', count: 2 },
      { diagnosis: 'benign', count: 1 },
    ]);
    expect(summary.rows.map((r) => r.id)).toEqual(['ISIC_2']);
    expect(summary.other).toEqual([]);
    expect(summary.problems).toEqual([]);
  });

  it('keeps stored images of other definite diagnoses as "other": counted, split, never labelled', () => {
    const m = manifest({
      images: {
        isic_1: entry('ISIC_1', 'train'),
        isic_2: entry('ISIC_2', 'train'),
        isic_3: entry('ISIC_3', 'val'),
        isic_4: entry('ISIC_4', 'train'),
      },
      labels: {
        isic_1: label('ISIC_1', null, 'bcc'),
        isic_2: label('ISIC_2', null, 'df'),
        isic_3: label('ISIC_3', null, 'bcc'),
        isic_4: label('ISIC_4', 'nevus'),
      },
      leftOut: { isic_5: 'x/ISIC_5.jpg' },
      labelFiles: [LABELS],
    });
    const summary = summarize(m);
    expect(summary.rows.map((r) => [r.id, r.split, r.label, r.other])).toEqual([
      ['ISIC_1', 'train', null, 'bcc'],
      ['ISIC_2', 'train', null, 'df'],
      ['ISIC_3', 'val', null, 'bcc'],
      ['ISIC_4', 'train', 'nevus', undefined],
    ]);
    expect(summary.counts.train).toMatchObject({ other: 2, nevus: 1, unlabeled: 0, total: 3 });
    expect(summary.counts.val).toMatchObject({ other: 1, unlabeled: 0, total: 1 });
    expect(summary.other).toEqual([
      { diagnosis: 'bcc', count: 2 },
      { diagnosis: 'df', count: 1 },
    ]);
    expect(summary.problems).toEqual([]);
  });

  it('says which diagnoses made each class, in class order, most first', () => {
    const keys = [1, 2, 3, 4, 5, 6];
    const m = manifest({
      images: Object.fromEntries(keys.map((k) => [`isic_${k}`, entry(`ISIC_${k}`, null)])),
      labels: {
        isic_1: label('ISIC_1', 'seborrheic_keratosis', 'Solar lentigo'),
        isic_2: label('ISIC_2', 'seborrheic_keratosis', 'Pigmented benign keratosis'),
        isic_3: label('ISIC_3', 'seborrheic_keratosis', 'Pigmented benign keratosis'),
        isic_4: label('ISIC_4', 'nevus', 'Nevus, NOS'),
        isic_5: label('ISIC_5', null, 'Basal cell carcinoma'),
        // ISIC_6 has no label row (unlabeled): it makes no class.
      },
      labelFiles: [LABELS],
    });
    expect(summarize(m).mapping).toEqual([
      { label: 'nevus', diagnoses: [{ diagnosis: 'Nevus, NOS', count: 1 }] },
      {
        label: 'seborrheic_keratosis',
        diagnoses: [
          { diagnosis: 'Pigmented benign keratosis', count: 2 },
          { diagnosis: 'Solar lentigo', count: 1 },
        ],
      },
    ]);
  });

  it('does not call rows or masks of images an unfinished ingest did not reach orphans', () => {
    const m = manifest({
      images: { isic_1: entry('ISIC_1', 'train') },
      labels: { isic_1: label('ISIC_1', 'nevus'), isic_2: label('ISIC_2', 'melanoma') },
      masks: { isic_2: entry('ISIC_2', 'train') },
      pending: { isic_2: `${T}/ISIC_2.jpg` },
      labelFiles: [LABELS],
    });
    const summary = summarize(m);
    expect(summary.problems).toEqual([]);
    expect(summary.pending).toBe(1);
  });

  it('counts usable images per licence, and none for a dataset without licences', () => {
    const meta = (id: string, licence?: string) => ({
      id,
      key: id.toLowerCase(),
      age: null,
      sex: null,
      site: null,
      ...(licence === undefined ? {} : { licence, attribution: 'Anonymous' }),
    });
    const m = manifest({
      images: {
        isic_1: entry('ISIC_1', null),
        isic_2: entry('ISIC_2', null),
        isic_3: entry('ISIC_3', null),
        isic_4: entry('ISIC_4', null),
        isic_5: entry('ISIC_5', null),
      },
      // Indeterminate: no class and no definite other kind, so left out.
      labels: { isic_5: label('ISIC_5', null, 'Indeterminate') },
      metadata: {
        isic_1: meta('ISIC_1', 'CC-BY-NC'),
        isic_2: meta('ISIC_2', 'CC-0'),
        isic_3: meta('ISIC_3', 'CC-BY-NC'),
        // Stored before licences were kept: no licence field at all.
        isic_4: meta('ISIC_4'),
        isic_5: meta('ISIC_5', 'CC-BY'),
      },
    });
    expect(summarize(m).licences).toEqual([
      { licence: 'CC-BY-NC', count: 2 },
      { licence: 'CC-0', count: 1 },
      { licence: 'not given', count: 1 },
    ]);
    const old = manifest({
      images: { isic_4: entry('ISIC_4', null) },
      metadata: { isic_4: meta('ISIC_4') },
    });
    expect(summarize(old).licences).toEqual([]);
  });

  it("gives each row its image's licence and attribution, and neither where the metadata has none", () => {
    const m = manifest({
      images: {
        isic_1: entry('ISIC_1', 'train'),
        isic_2: entry('ISIC_2', 'train'),
        isic_3: entry('ISIC_3', 'train'),
      },
      metadata: {
        isic_1: {
          id: 'ISIC_1',
          key: 'isic_1',
          age: 45,
          sex: 'female',
          site: null,
          licence: 'CC-BY-NC',
          attribution: 'Clinic "North", Vienna',
        },
        // An older release: metadata without licence or attribution.
        isic_2: { id: 'ISIC_2', key: 'isic_2', age: null, sex: null, site: null },
      },
    });
    const rows = summarize(m).rows;
    expect(rows[0]).toMatchObject({ licence: 'CC-BY-NC', attribution: 'Clinic "North", Vienna' });
    for (const row of rows.slice(1)) {
      expect(row).not.toHaveProperty('licence');
      expect(row).not.toHaveProperty('attribution');
    }
  });

  it('says how the splits were made and which id kept images together where the app made them', () => {
    const grouped = (id: string, group?: string, groupBy?: 'lesion' | 'patient') => ({
      id,
      key: id.toLowerCase(),
      age: null,
      sex: null,
      site: null,
      ...(group === undefined ? {} : { group }),
      ...(groupBy === undefined ? {} : { groupBy }),
    });
    const images = {
      isic_1: entry('ISIC_1', null),
      isic_2: entry('ISIC_2', null),
      isic_3: entry('ISIC_3', null),
      isic_4: entry('ISIC_4', 'test'),
    };
    // A test split named but no validation: validation is carved from the three others.
    const carved = summarize(
      manifest({
        images,
        metadata: {
          isic_1: grouped('ISIC_1', 'IP_1', 'patient'),
          isic_2: grouped('ISIC_2', 'IP_1', 'patient'),
          isic_3: grouped('ISIC_3'),
          isic_4: grouped('ISIC_4', 'IP_2', 'patient'),
        },
      }),
    );
    expect(carved.split).toEqual({
      method: 'validation',
      seeded: 3,
      groupedBy: { patient: 2, lesion: 0, unknown: 0 },
    });
    // No split named: all are split; a group stored before its kind was recorded is 'unknown'.
    const all = summarize(
      manifest({
        images: { ...images, isic_4: entry('ISIC_4', null) },
        metadata: {
          isic_1: grouped('ISIC_1', 'IL_1', 'lesion'),
          isic_2: grouped('ISIC_2', 'IL_1'),
        },
      }),
    );
    expect(all.split).toEqual({
      method: 'all',
      seeded: 4,
      groupedBy: { patient: 0, lesion: 1, unknown: 1 },
    });
    // Folders name every split: nothing is seeded.
    const folders = summarize(
      manifest({ images: { isic_1: entry('ISIC_1', 'train'), isic_2: entry('ISIC_2', 'val') } }),
    );
    expect(folders.split).toEqual({
      method: 'unsplit',
      seeded: 0,
      groupedBy: { patient: 0, lesion: 0, unknown: 0 },
    });
  });
});
