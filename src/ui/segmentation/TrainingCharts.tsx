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

interface EpochChartProps {
  title: string;
  data: Record<string, number | undefined>[];
  /** The best epoch (1-based), marked with a line. */
  best: number | null;
  lines: { key: string; name: string; color: string }[];
}

/** Figures in 0..1 against the epoch. */
function EpochChart({ title, data, best, lines }: EpochChartProps) {
  return (
    <figure>
      <figcaption>{title}</figcaption>
      <LineChart width={WIDTH} height={HEIGHT} data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          dataKey="epoch"
          type="number"
          domain={[1, 'dataMax']}
          allowDecimals={false}
          label={{ value: 'epoch', position: 'insideBottomRight', offset: -4 }}
        />
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
        {lines.map((line) => (
          <Line
            key={line.key}
            dataKey={line.key}
            name={line.name}
            stroke={line.color}
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </figure>
  );
}
