import type { SegNetTraining } from '../../pipeline/presets.ts';
import { SEGNET_METRICS, type RunRecord } from '../../runs/runs.ts';
import { EpochChart } from '../training/EpochChart.tsx';

/** Loss, and validation Dice and Jaccard, per epoch of one run; the best epoch is marked. */
export function TrainingCharts({ run }: { run: RunRecord<SegNetTraining> }) {
  const data = run.history.map((h) => ({
    epoch: h.epoch + 1,
    loss: h.loss,
    valLoss: h.valLoss,
    dice: h.val[SEGNET_METRICS.dice],
    jaccard: h.val[SEGNET_METRICS.jaccard],
  }));
  if (data.length === 0) {
    return <p className="muted">The charts fill in as each epoch ends.</p>;
  }
  const best = run.bestEpoch === null ? null : run.bestEpoch + 1;
  return (
    <div className="charts" data-testid="segnet-charts" data-epochs={data.length}>
      <EpochChart
        title="Dice loss"
        data={data}
        best={best}
        lines={[
          { key: 'loss', name: 'train', color: '#2f6fb0' },
          { key: 'valLoss', name: 'validation', color: '#c0392b' },
        ]}
      />
      <EpochChart
        title="Validation overlap"
        data={data}
        best={best}
        lines={[
          { key: 'dice', name: 'Dice', color: '#16866b' },
          { key: 'jaccard', name: 'Jaccard', color: '#8e44ad' },
        ]}
      />
    </div>
  );
}
