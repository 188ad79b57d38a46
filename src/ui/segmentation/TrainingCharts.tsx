import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { SegNetTraining } from '../../pipeline/presets.ts';
import { SEGNET_METRICS, type RunRecord } from '../../train/runs.ts';

const WIDTH = 420;
const HEIGHT = 220;

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
  const axis = {
    dataKey: 'epoch',
    type: 'number',
    domain: [1, 'dataMax'],
    allowDecimals: false,
  } as const;
  return (
    <div className="charts" data-testid="segnet-charts" data-epochs={data.length}>
      <figure>
        <figcaption>Dice loss</figcaption>
        <LineChart width={WIDTH} height={HEIGHT} data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis {...axis} label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }} />
          <YAxis domain={[0, 1]} />
          <Tooltip formatter={(v) => Number(v).toFixed(4)} />
          <Legend />
          {best && (
            <ReferenceLine
              x={best}
              stroke="#999"
              strokeDasharray="4 4"
              label={{ value: 'best', position: 'insideTopLeft' }}
            />
          )}
          <Line dataKey="loss" name="train" stroke="#2f6fb0" isAnimationActive={false} />
          <Line dataKey="valLoss" name="validation" stroke="#c0392b" isAnimationActive={false} />
        </LineChart>
      </figure>
      <figure>
        <figcaption>Validation overlap</figcaption>
        <LineChart width={WIDTH} height={HEIGHT} data={data}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis {...axis} label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }} />
          <YAxis domain={[0, 1]} />
          <Tooltip formatter={(v) => Number(v).toFixed(4)} />
          <Legend />
          {best && (
            <ReferenceLine
              x={best}
              stroke="#999"
              strokeDasharray="4 4"
              label={{ value: 'best', position: 'insideTopLeft' }}
            />
          )}
          <Line dataKey="dice" name="Dice" stroke="#16866b" isAnimationActive={false} />
          <Line dataKey="jaccard" name="Jaccard" stroke="#8e44ad" isAnimationActive={false} />
        </LineChart>
      </figure>
    </div>
  );
}
