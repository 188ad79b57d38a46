import { describe, expect, it } from 'vitest';
import type { DatasetRow } from '../../dataset/summary.ts';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { predictionsCsv } from '../../metrics/report.ts';
import { exportedPredictions } from './exportFiles.ts';
import { probabilityView } from './probabilityView.ts';

const record: EvaluationRecord = {
  runId: 'run-1',
  split: 'val',
  epoch: 3,
  createdAt: '2025-01-01T00:00:00.000Z',
  seconds: 1,
  backend: 'cpu',
  datasetRevision: 1,
  stale: false,
  keys: ['isic_1', 'isic_2'],
  ids: ['ISIC_1', 'ISIC_2'],
  labels: [1, 0],
  probabilities: Float32Array.from([0.25, 0.5, 0.25, 0.5, 0.25, 0.25]),
  unlabeled: 0,
};

const row = (key: string, credit: Partial<DatasetRow> = {}): DatasetRow => ({
  key,
  id: key.toUpperCase(),
  split: 'val',
  label: 'nevus',
  hasMask: false,
  ...credit,
});

describe('exportedPredictions', () => {
  it('writes the licence and attribution the evaluation stored', () => {
    const stored = {
      ...record,
      licences: ['CC-BY-NC', ''],
      attributions: ['Clinic "Nord", Hamburg', ''],
    };
    const lines = predictionsCsv([exportedPredictions(stored, [])]).split('\n');
    expect(lines[1]).toBe('ISIC_1,val,melanoma,0.25,0.5,0.25,CC-BY-NC,"Clinic ""Nord"", Hamburg"');
    expect(lines[2]).toBe('ISIC_2,val,nevus,0.5,0.25,0.25,,');
  });

  it("credits an older record's images from the dataset's rows, and leaves unknown ones empty", () => {
    const rows = [row('isic_1', { licence: 'CC-BY', attribution: 'Anonymous' }), row('isic_3')];
    const predictions = exportedPredictions(record, rows);
    expect(predictions.licences).toEqual(['CC-BY', '']);
    expect(predictions.attributions).toEqual(['Anonymous', '']);
  });

  it('writes the probabilities shown: TTA, uncalibrated here', () => {
    const tta = { ...record, ttaProbabilities: Float32Array.from([0.5, 0.25, 0.25, 1, 0, 0]) };
    const view = probabilityView(tta, { tta: null, calibrated: null }, true);
    const lines = predictionsCsv([exportedPredictions(tta, [], view)]).split('\n');
    expect(lines[1]).toBe('ISIC_1,val,melanoma,0.5,0.25,0.25,,');
    expect(lines[2]).toBe('ISIC_2,val,nevus,1,0,0,,');
  });
});
