import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../runs/runs.ts';
import { runCalibration } from './diagnose.ts';

const run = (record: Pick<RunRecord, 'bestEpoch' | 'calibration'>) => record as RunRecord;

describe('runCalibration', () => {
  it('takes the views’ calibration, else the plain one, for the best checkpoint only', () => {
    const both = {
      temperature: 2,
      biases: [0, -1, -1],
      ttaTemperature: 1.4,
      ttaBiases: [0, -2, -1.5],
      epoch: 4,
    };
    expect(runCalibration(run({ bestEpoch: 4, calibration: both }))).toEqual({
      calibration: { temperature: 1.4, biases: [0, -2, -1.5] },
      calibrationFrom: 'tta',
    });
    expect(
      runCalibration(
        run({ bestEpoch: 4, calibration: { temperature: 2, biases: [0, -1, -1], epoch: 4 } }),
      ),
    ).toEqual({ calibration: { temperature: 2, biases: [0, -1, -1] }, calibrationFrom: 'plain' });
    // A record from before the biases: its temperature alone.
    expect(
      runCalibration(
        run({ bestEpoch: 4, calibration: { temperature: 2, ttaTemperature: 1.4, epoch: 4 } }),
      ),
    ).toEqual({ calibration: { temperature: 1.4 }, calibrationFrom: 'tta' });
    // Fitted for another checkpoint, or never: no calibration.
    const identity = { calibration: { temperature: 1 }, calibrationFrom: null };
    expect(runCalibration(run({ bestEpoch: 5, calibration: both }))).toEqual(identity);
    expect(runCalibration(run({ bestEpoch: 4 }))).toEqual(identity);
  });
});
