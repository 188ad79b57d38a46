import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConfidenceInterval } from '../../metrics/bootstrap.ts';
import type { RocCurve } from '../../metrics/roc.ts';

export interface RocSeries {
  name: string;
  curve: RocCurve | null;
  auc: number | null;
  interval?: ConfidenceInterval | null;
  color: string;
  dashed?: boolean;
}

interface RocChartProps {
  series: RocSeries[];
  /** The melanoma operating point at the threshold: (1 - specificity, sensitivity). */
  point: { fpr: number; tpr: number } | null;
}

const SIZE = 380;

function legendName(s: RocSeries): string {
  if (s.auc === null) return `${s.name}: AUC undefined`;
  const ci = s.interval
    ? ` (95% CI ${s.interval.low.toFixed(3)}–${s.interval.high.toFixed(3)})`
    : '';
  return `${s.name}: AUC ${s.auc.toFixed(3)}${ci}`;
}

/** ROC curves with their AUC and interval in the legend, the chance diagonal and the operating point. */
export function RocChart({ series, point }: RocChartProps) {
  return (
    <figure className="roc" data-testid="roc-chart">
      <figcaption>ROC, one class against the rest</figcaption>
      <LineChart width={SIZE + 140} height={SIZE} margin={{ right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="fpr"
          domain={[0, 1]}
          label={{
            value: 'false-positive rate (1 − specificity)',
            position: 'insideBottom',
            offset: -2,
          }}
          height={40}
        />
        <YAxis
          type="number"
          dataKey="tpr"
          domain={[0, 1]}
          label={{ value: 'sensitivity', angle: -90, position: 'insideLeft' }}
        />
        <Tooltip formatter={(v) => Number(v).toFixed(3)} />
        <Legend verticalAlign="bottom" />
        <Line
          data={[
            { fpr: 0, tpr: 0 },
            { fpr: 1, tpr: 1 },
          ]}
          dataKey="tpr"
          name="chance"
          stroke="#aaa"
          strokeDasharray="4 4"
          dot={false}
          isAnimationActive={false}
        />
        {series.map((s) =>
          s.curve ? (
            <Line
              key={s.name}
              data={s.curve.fpr.map((fpr, i) => ({ fpr, tpr: s.curve?.tpr[i] }))}
              dataKey="tpr"
              name={legendName(s)}
              stroke={s.color}
              strokeDasharray={s.dashed ? '6 3' : undefined}
              dot={false}
              type="linear"
              isAnimationActive={false}
            />
          ) : null,
        )}
        {point && (
          <Line
            data={[point]}
            dataKey="tpr"
            name="operating point"
            stroke="#000"
            dot={{ r: 5, fill: '#000' }}
            isAnimationActive={false}
          />
        )}
      </LineChart>
    </figure>
  );
}
