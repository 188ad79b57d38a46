import { CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { PrecisionRecallCurve } from '../../metrics/precisionRecall.ts';

interface PrChartProps {
  /** Melanoma against the rest; null without melanoma images. */
  curve: PrecisionRecallCurve | null;
  ap: number | null;
  /** The share of melanomas: the precision of a model that guesses. */
  prevalence: number | null;
}

const SIZE = 380;

/**
 * Precision against recall (sensitivity) for melanoma, drawn as the steps that average precision
 * sums, with the precision of guessing as a dashed line.
 */
export function PrChart({ curve, ap, prevalence }: PrChartProps) {
  // scikit-learn's order has recall falling; the chart reads left to right.
  const points = curve
    ? curve.recall.map((recall, i) => ({ recall, precision: curve.precision[i] })).reverse()
    : [];
  const title = ap === null ? 'AP undefined' : `AP ${ap.toFixed(3)}`;
  return (
    <figure className="roc" data-testid="pr-chart" data-ap={ap ?? ''}>
      <figcaption>Precision and recall, melanoma against the rest ({title})</figcaption>
      {curve ? (
        <LineChart width={SIZE + 140} height={SIZE} margin={{ right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="recall"
            domain={[0, 1]}
            label={{ value: 'recall (sensitivity)', position: 'insideBottom', offset: -2 }}
            height={40}
          />
          <YAxis
            type="number"
            dataKey="precision"
            domain={[0, 1]}
            label={{ value: 'precision', angle: -90, position: 'insideLeft' }}
          />
          <Tooltip formatter={(v) => Number(v).toFixed(3)} />
          <Legend verticalAlign="bottom" />
          {prevalence !== null && (
            <Line
              data={[
                { recall: 0, precision: prevalence },
                { recall: 1, precision: prevalence },
              ]}
              dataKey="precision"
              name={`guessing (${(prevalence * 100).toFixed(0)}% melanoma)`}
              stroke="#aaa"
              strokeDasharray="4 4"
              dot={false}
              isAnimationActive={false}
            />
          )}
          <Line
            data={points}
            dataKey="precision"
            name={`melanoma: ${title}`}
            stroke="#c0392b"
            type="stepBefore"
            dot={false}
            isAnimationActive={false}
          />
        </LineChart>
      ) : (
        <p className="muted">No melanoma images in this split: there is no curve to draw.</p>
      )}
    </figure>
  );
}
