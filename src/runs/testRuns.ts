/** A run record for tests: a SegNet run of the quick preset, one epoch in, unless `fields` differ. */
import type { RunRecord } from './runs.ts';

export function testRun(fields: Partial<RunRecord> & Pick<RunRecord, 'id'>): RunRecord {
  return {
    kind: 'segnet',
    preset: 'quick',
    config: {},
    seed: 1,
    backend: 'cpu',
    datasetId: 'd',
    datasetRevision: 1,
    images: { train: 2, val: 2 },
    status: 'running',
    history: [],
    epochsDone: 1,
    bestEpoch: 0,
    trainSeconds: 1,
    createdAt: '2026-01-01',
    updatedAt: '2026-01-01',
    appVersion: '0.0.0',
    tfjsVersion: '0.0.0',
    ...fields,
  };
}
