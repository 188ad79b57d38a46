import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import { applyCalibration } from './calibration.ts';
import { topLabelReliability } from './reliability.ts';
import {
  metricsJson,
  parsePredictionsCsv,
  predictionsCsv,
  splitMetrics,
  type EvalPredictions,
} from './report.ts';

// The seven images of classification.test.ts, as the classifier hands them over (float32).
const VAL: EvalPredictions = {
  keys: [0, 1, 2, 3, 4, 5, 6].map((i) => `isic_000000${i}`),
  split: 'val',
  labels: [0, 0, 1, 1, 2, 2, 1],
  // prettier-ignore
  probabilities: Float32Array.from([
    0.7, 0.2, 0.1,
    0.3, 0.6, 0.1,
    0.2, 0.5, 0.3,
    0.5, 0.4, 0.1,
    0.1, 0.2, 0.7,
    0.2, 0.3, 0.5,
    0.4, 0.4, 0.2,
  ]),
};

/** A seeded split of n images whose probabilities lean toward the true class. */
function randomSplit(split: 'val' | 'test', n: number, seed: number): EvalPredictions {
  const random = new Random(seed);
  const labels = Array.from({ length: n }, (_, i) => (i < 3 ? i : random.int(0, 2)));
  const probabilities = new Float32Array(n * 3);
  labels.forEach((label, i) => {
    const logits = [0, 1, 2].map((c) => random.normal() + (c === label ? 1.5 : 0));
    const exp = logits.map(Math.exp);
    const sum = exp.reduce((a, b) => a + b, 0);
    exp.forEach((e, c) => (probabilities[i * 3 + c] = e / sum));
  });
  return { keys: labels.map((_, i) => `isic_${1000 + i}`), split, labels, probabilities };
}

describe('splitMetrics', () => {
  it('gives the metrics.json fields, hand-computed', () => {
    // Melanoma AUC: melanomas score 0.5, 0.4, 0.4; the rest 0.2, 0.6, 0.2, 0.3. Each melanoma beats
    // 0.2, 0.2, 0.3 and loses to 0.6: 9 of 12 pairs = 0.75. Keratosis AUC: 0.7 and 0.5 beat all
    // five others (0.1, 0.1, 0.3, 0.1, 0.2): 10 of 10 = 1. Mean (0.75 + 1) / 2 = 0.875.
    // At 0.5: [[3, 1], [2, 1]], F1 2 / (2 + 1 + 2) = 0.4; argmax accuracy 4 / 7.
    expect(splitMetrics(VAL)).toEqual({
      melanoma_auc: 0.75,
      seborrheic_keratosis_auc: 1,
      mean_auc: 0.875,
      melanoma_f1: 0.4,
      accuracy: 4 / 7,
      threshold: 0.5,
      confusion: [
        [1, 1, 0],
        [2, 1, 0],
        [0, 0, 2],
      ],
      melanoma_confusion: [
        [3, 1],
        [2, 1],
      ],
      // Melanoma AP, descending: 0.6 (rest) P 0 R 0; 0.5 (melanoma) P 1/2 R 1/3; the two 0.4
      // melanomas P 3/4 R 1: 1/3 * 1/2 + 2/3 * 3/4 = 2/3.
      melanoma_ap: expect.closeTo(2 / 3, 12),
      // Top-label confidences (float32): two right at 0.7 (gap 0.3 each), one wrong at 0.6
      // (bin 9, gap 0.6), three at 0.5 of which two right (gap 1/6 each), one wrong at 0.4 (the
      // nevus-melanoma tie goes to nevus; gap 0.4): (0.6 + 0.6 + 0.5 + 0.4) / 7 = 0.3.
      ece: expect.closeTo(0.3, 6),
      ece_uncalibrated: expect.closeTo(0.3, 6),
      // p_melanoma per bin: two rest at 0.2 (0.4 in all), rest at 0.6 (0.6), melanoma at 0.5
      // (0.5), two melanomas at 0.4 (1.2), rest at 0.3 (0.3): 3 / 7.
      melanoma_ece: expect.closeTo(3 / 7, 6),
      temperature: null,
      class_biases: null,
      clinical_weight: null,
      calibrated: false,
      tta: false,
      messages: [],
    });
    // At 0.35 the two 0.4 melanomas are caught: [[3, 1], [0, 3]], F1 6 / 7; AUCs unchanged.
    const low = splitMetrics(VAL, { threshold: 0.35 });
    expect(low.melanoma_confusion).toEqual([
      [3, 1],
      [0, 3],
    ]);
    expect(low.melanoma_f1).toBe(6 / 7);
    expect(low.threshold).toBe(0.35);
    expect(low.melanoma_auc).toBe(0.75);
  });

  it('reports the ECE before and after calibration, and how the probabilities were made', () => {
    const tempered = applyCalibration(VAL.probabilities, { temperature: 2 });
    const m = splitMetrics({
      ...VAL,
      probabilities: tempered,
      view: { tta: true, calibration: { temperature: 2 }, uncalibrated: VAL.probabilities },
    });
    expect(m).toMatchObject({ temperature: 2, class_biases: null, calibrated: true, tta: true });
    expect(m.ece_uncalibrated).toBe(splitMetrics(VAL).ece);
    expect(m.ece).toBe(topLabelReliability(VAL.labels, tempered).ece);
    expect(m.ece).not.toBeCloseTo(m.ece_uncalibrated ?? 0, 3);
    // A temperature alone never changes which class is most probable.
    expect(m.confusion).toEqual(splitMetrics(VAL).confusion);
    // With class biases it can, and metrics.json names them.
    const calibration = { temperature: 2, biases: [0, -3, 0] };
    const biased = splitMetrics({
      ...VAL,
      probabilities: applyCalibration(VAL.probabilities, calibration),
      view: { tta: false, calibration, uncalibrated: VAL.probabilities },
    });
    expect(biased).toMatchObject({
      temperature: 2,
      class_biases: [0, -3, 0],
      clinical_weight: null,
      calibrated: true,
    });
    // With age, sex and site weighed in, their weight too.
    const withClinical = { ...calibration, clinicalWeight: 0.7 };
    const clinical = splitMetrics({
      ...VAL,
      probabilities: applyCalibration(VAL.probabilities, calibration),
      view: { tta: false, calibration: withClinical, uncalibrated: VAL.probabilities },
    });
    expect(clinical.clinical_weight).toBe(0.7);
    expect(biased.confusion).not.toEqual(splitMetrics(VAL).confusion);
    // TTA alone, no calibration: the uncalibrated ECE is the ECE.
    const tta = splitMetrics({ ...VAL, view: { tta: true, calibration: null } });
    expect(tta).toMatchObject({ tta: true, calibrated: false, temperature: null });
    expect(tta.ece_uncalibrated).toBe(tta.ece);
  });

  it('adds per-lesion melanoma figures when a lesion id repeats, hand-computed', () => {
    // Lesion B is images 2 and 3 (melanomas), C images 4 and 5 (keratoses). p_melanoma per lesion:
    // 0.2 and 0.6 (nevi), B 0.45, C 0.25, 0.4 (melanoma). AUC: each melanoma beats 0.2 and 0.25,
    // loses to 0.6: 4 of 6. AP: 0.6 (rest) R 0; 0.45 P 1/2 R 1/2; 0.4 P 2/3 R 1: 7/12. Argmax:
    // nevus, melanoma (wrong), B melanoma, C keratosis, the 0.4/0.4 tie nevus (wrong): 3 of 5.
    const m = splitMetrics({ ...VAL, groups: ['', '', 'B', 'B', 'C', 'C', ''] });
    expect(m.per_lesion).toEqual({
      melanoma_auc: 2 / 3,
      melanoma_ap: expect.closeTo(7 / 12, 12),
      accuracy: 0.6,
      images: 7,
      lesions: 5,
    });
    expect(m.melanoma_auc).toBe(0.75);
    expect('per_lesion' in splitMetrics({ ...VAL, groups: ['a', 'b', '', '', 'c', '', ''] })).toBe(
      false,
    );
    // A split whose melanomas are all in one lesion with the rest: no melanoma lesion.
    const one = splitMetrics({
      ...VAL,
      labels: [0, 0, 1, 0, 2, 2, 0],
      groups: ['A', 'A', 'A', 'A', '', '', ''],
    });
    expect(one.per_lesion?.melanoma_auc).toBeNull();
    expect(one.messages).toContain(
      'val: per_lesion.melanoma_auc is null because the split has no melanoma lesions',
    );
  });

  it('adds bootstrap intervals under their own names when asked', () => {
    const m = splitMetrics(randomSplit('val', 200, 4), { bootstrap: { seed: 1, resamples: 300 } });
    const ci = m.melanoma_auc_ci;
    if (!ci || m.melanoma_auc === null) throw new Error('both classes are present');
    expect(ci.low).toBeLessThanOrEqual(m.melanoma_auc);
    expect(ci.high).toBeGreaterThanOrEqual(m.melanoma_auc);
    expect(m.seborrheic_keratosis_auc_ci?.resamples).toBe(300);
    expect('melanoma_auc_ci' in splitMetrics(VAL)).toBe(false);
  });

  it('gives null with a message, never NaN, for a one-class split', () => {
    const nevi: EvalPredictions = {
      keys: ['a', 'b'],
      split: 'test',
      labels: [0, 0],
      probabilities: [0.8, 0.1, 0.1, 0.6, 0.3, 0.1],
    };
    const m = splitMetrics(nevi, { bootstrap: {} });
    expect(m.melanoma_auc).toBeNull();
    expect(m.seborrheic_keratosis_auc).toBeNull();
    expect(m.mean_auc).toBeNull();
    expect(m.melanoma_f1).toBeNull(); // no melanoma and none with p_melanoma >= 0.5
    expect(m.melanoma_auc_ci).toBeNull();
    expect(m.accuracy).toBe(1);
    expect(m.messages).toContain(
      'test: melanoma_auc is null because the split has no melanoma images',
    );
    expect(m.messages.some((s) => s.startsWith('test: melanoma_f1 is null'))).toBe(true);
    expect(m.messages.some((s) => s.startsWith('test: mean_auc is null'))).toBe(true);
    expect(m.melanoma_ap).toBeNull();
    expect(m.messages).toContain(
      'test: melanoma_ap is null because the split has no melanoma images',
    );
    // Both right, at confidences 0.8 and 0.6, in two bins: gaps 0.2 and 0.4, ECE 0.3.
    expect(m.ece).toBeCloseTo(0.3, 12);
    const json = JSON.stringify(m);
    expect(json).not.toMatch(/NaN/);
    expect(JSON.parse(json)).toEqual(m);

    const empty = splitMetrics({ keys: [], split: 'val', labels: [], probabilities: [] });
    expect(empty.accuracy).toBeNull();
    expect(empty.messages).toContain('val: accuracy is null because the split is empty');
    expect(empty.ece).toBeNull();
    expect(empty.messages).toContain('val: ece is null because the split is empty');
  });

  it('gives null AUCs with a message when probabilities are NaN', () => {
    const m = splitMetrics({ ...VAL, probabilities: new Float32Array(21).fill(NaN) });
    expect(m.melanoma_auc).toBeNull();
    expect(m.melanoma_ap).toBeNull();
    expect(m.ece).toBeNull();
    expect(m.messages).toHaveLength(2); // not finite; mean_auc
    expect(m.messages[0]).toMatch(/not finite/);
  });

  it('keys metrics.json by split and refuses a split twice', () => {
    const json = metricsJson([VAL, randomSplit('test', 30, 2)]);
    expect(Object.keys(json)).toEqual(['val', 'test']);
    expect(Object.keys(json.val ?? {})).toEqual([
      'melanoma_auc',
      'seborrheic_keratosis_auc',
      'mean_auc',
      'melanoma_f1',
      'accuracy',
      'threshold',
      'confusion',
      'melanoma_confusion',
      'melanoma_ap',
      'ece',
      'ece_uncalibrated',
      'melanoma_ece',
      'temperature',
      'class_biases',
      'clinical_weight',
      'calibrated',
      'tta',
      'messages',
    ]);
    expect(() => metricsJson([VAL, VAL])).toThrow();
  });
});

describe('predictions.csv', () => {
  it('writes the header and full-precision rows', () => {
    const csv = predictionsCsv([VAL]);
    const lines = csv.split('\n');
    expect(lines[0]).toBe(
      'image_id,split,label,p_nevus,p_melanoma,p_seborrheic_keratosis,licence,attribution',
    );
    // float32(0.7) = 0.699999988079071, float32(0.2) = 0.20000000298023224, and so on. No licence
    // or attribution given: both cells are empty.
    expect(lines[1]).toBe(
      'ISIC_0000000,val,nevus,0.699999988079071,0.20000000298023224,0.10000000149011612,,',
    );
    expect(lines[3]).toBe(
      'ISIC_0000002,val,melanoma,0.20000000298023224,0.5,0.30000001192092896,,',
    );
    expect(lines).toHaveLength(9); // header, 7 rows, and the empty string after the last newline
  });

  it('reads back the same predictions and so the same metrics', () => {
    const sets = [randomSplit('val', 120, 7), randomSplit('test', 90, 8)];
    sets[1] = { ...(sets[1] as EvalPredictions), ids: undefined };
    const parsed = parsePredictionsCsv(predictionsCsv(sets));
    expect(parsed.map((p) => p.split)).toEqual(['val', 'test']);
    parsed.forEach((p, s) => {
      const original = sets[s] as EvalPredictions;
      expect(p.keys).toEqual(original.keys);
      expect(p.labels).toEqual(original.labels);
      expect(Array.from(p.probabilities)).toEqual(Array.from(original.probabilities));
    });
    const options = { threshold: 0.3, bootstrap: { seed: 2, resamples: 100 } };
    expect(metricsJson(parsed, options)).toEqual(metricsJson(sets, options));
  });

  it('quotes ids that need it and keeps the ids it is given', () => {
    const odd = { ...VAL, keys: ['a,b', 'say "hi"', 'c', 'd', 'e', 'f', 'g'] };
    odd.ids = odd.keys;
    const [back] = parsePredictionsCsv(predictionsCsv([odd]));
    expect(back?.ids).toEqual(odd.keys);
  });

  it('writes each licence and attribution, quoted where they hold a comma or a quote', () => {
    const licences = ['CC-BY-NC', 'CC-BY', 'CC-0', '', 'CC-BY', 'CC-0', 'CC-BY-NC'];
    const attributions = [
      'Department of Dermatology, Medical University of Vienna',
      'Clinic "Nord", Hamburg',
      'Anonymous',
      '',
      '@Synthetic Dermoscopy Clinic',
      '=1+1',
      'ViDIR Group',
    ];
    const csv = predictionsCsv([{ ...VAL, licences, attributions }]);
    const lines = csv.split('\n');
    expect(lines[1]).toBe(
      'ISIC_0000000,val,nevus,0.699999988079071,0.20000000298023224,0.10000000149011612,' +
        'CC-BY-NC,"Department of Dermatology, Medical University of Vienna"',
    );
    expect(lines[2]?.endsWith(',CC-BY,"Clinic ""Nord"", Hamburg"')).toBe(true);
    expect(lines[4]?.endsWith(',,')).toBe(true);
    // A value a spreadsheet would take for a formula gets a TAB before it, as the Archive writes it.
    expect(lines[5]?.endsWith(',CC-BY,\t@Synthetic Dermoscopy Clinic')).toBe(true);
    expect(lines[6]?.endsWith(',CC-0,\t=1+1')).toBe(true);

    // Any CSV reader gets the cells back; this one drops the TAB again.
    const cells = Papa.parse<string[]>(csv.trim()).data;
    expect(cells.slice(1).map((row) => row.length)).toEqual(Array(7).fill(8));
    expect(cells[2]?.slice(6)).toEqual(['CC-BY', 'Clinic "Nord", Hamburg']);
    const [back] = parsePredictionsCsv(csv);
    expect(back?.licences).toEqual(licences);
    expect(back?.attributions).toEqual(attributions);
    expect(back?.ids).toEqual(VAL.keys.map((k) => k.toUpperCase()));
  });

  it('refuses licences or attributions that are not one per image', () => {
    expect(() => predictionsCsv([{ ...VAL, licences: ['CC-0'] }])).toThrow(/1 licences/);
    expect(() => predictionsCsv([{ ...VAL, attributions: [] }])).toThrow(/0 attributions/);
  });

  it('reads a file exported before the licence and attribution columns', () => {
    const header = 'image_id,split,label,p_nevus,p_melanoma,p_seborrheic_keratosis';
    const [back] = parsePredictionsCsv(`${header}\nISIC_1,test,melanoma,0.1,0.8,0.1\n`);
    expect(back).toEqual({
      keys: ['isic_1'],
      ids: ['ISIC_1'],
      split: 'test',
      labels: [1],
      probabilities: Float64Array.from([0.1, 0.8, 0.1]),
    });
    expect(() =>
      parsePredictionsCsv(`${header}\nISIC_1,test,melanoma,0.1,0.8,0.1,CC-0,x\n`),
    ).toThrow(/line 2: 8 cells, expected 6/);
  });

  it('refuses a wrong header, an unknown label or split, or a cell that is not a number', () => {
    const header = 'image_id,split,label,p_nevus,p_melanoma,p_seborrheic_keratosis';
    expect(() => parsePredictionsCsv('id,split\n')).toThrow(/header/);
    expect(() => parsePredictionsCsv(`${header}\nISIC_1,val,bcc,0.1,0.2,0.7\n`)).toThrow(
      /line 2: unknown label "bcc"/,
    );
    expect(() => parsePredictionsCsv(`${header}\nISIC_1,dev,nevus,0.1,0.2,0.7\n`)).toThrow(/split/);
    expect(() => parsePredictionsCsv(`${header}\n\nISIC_1,val,nevus,0.1,,0.7\n`)).toThrow(
      /line 3: p_melanoma/,
    );
    expect(parsePredictionsCsv(`\uFEFF${header}\r\nISIC_1,val,nevus,0.1,0.2,0.7\r\n`)).toEqual([
      {
        keys: ['isic_1'],
        ids: ['ISIC_1'],
        split: 'val',
        labels: [0],
        probabilities: Float64Array.from([0.1, 0.2, 0.7]),
      },
    ]);
  });
});
