import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../runs/runs.ts';
import { runTemperature } from './diagnose.ts';

const run = (record: Pick<RunRecord, 'bestEpoch' | 'calibration'>) => record as RunRecord;

describe('runTemperature', () => {
  it('takes the views’ temperature, else the plain one, for the best checkpoint only', () => {
    expect(
      runTemperature(
        run({ bestEpoch: 4, calibration: { temperature: 2, ttaTemperature: 1.4, epoch: 4 } }),
      ),
    ).toEqual({ temperature: 1.4, temperatureFrom: 'tta' });
    expect(
      runTemperature(run({ bestEpoch: 4, calibration: { temperature: 2, epoch: 4 } })),
    ).toEqual({
      temperature: 2,
      temperatureFrom: 'plain',
    });
    // Fitted for another checkpoint, or never: no calibration.
    expect(
      runTemperature(
        run({ bestEpoch: 5, calibration: { temperature: 2, ttaTemperature: 1.4, epoch: 4 } }),
      ),
    ).toEqual({ temperature: 1, temperatureFrom: null });
    expect(runTemperature(run({ bestEpoch: 4 }))).toEqual({
      temperature: 1,
      temperatureFrom: null,
    });
  });
});
