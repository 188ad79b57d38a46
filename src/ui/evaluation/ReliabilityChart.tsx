import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from 'recharts';
import type { Calibrator } from '../../metrics/calibration.ts';
import type { Reliability } from '../../metrics/reliability.ts';

interface ReliabilityChartProps {
  /** The shown view (plain or TTA) before calibration. */
  before: Reliability;
  /** The same with the fitted calibration; null when none was fitted. */
  after: Reliability | null;
  calibration: Calibrator | null;
}

const SIZE = 380;

const ece = (r: Reliability) => (r.ece === null ? 'ECE undefined' : `ECE ${r.ece.toFixed(3)}`);

/**
 * The reliability diagram: for each bin of confidence (the top class's probability), how often
 * that class was right, before and after calibration, against the diagonal a calibrated model
 * follows. Empty bins have no bar; the tooltip gives each bin's images and mean confidence.
 */
export function ReliabilityChart({ before, after, calibration }: ReliabilityChartProps) {
  const data = before.bins.map((bin, k) => ({
    label: ((bin.low + bin.high) / 2).toFixed(2),
    ideal: (bin.low + bin.high) / 2,
    before: bin.accuracy,
    beforeCount: bin.count,
    beforeConfidence: bin.confidence,
    after: after?.bins[k]?.accuracy ?? null,
    afterCount: after?.bins[k]?.count ?? 0,
    afterConfidence: after?.bins[k]?.confidence ?? null,
  }));
  const afterName =
    after && calibration
      ? `after calibration, T = ${calibration.temperature.toFixed(2)}${calibration.biases ? ' and class biases' : ''} (${ece(after)})`
      : '';
  return (
    <figure
      className="roc"
      data-testid="reliability-chart"
      data-ece-before={before.ece ?? ''}
      data-ece-after={after?.ece ?? ''}
    >
      <figcaption>
        Reliability: how often the most probable class was right, by how sure the model was
      </figcaption>
      <ComposedChart width={SIZE + 140} height={SIZE} data={data} margin={{ right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          dataKey="label"
          label={{ value: 'confidence (bin middle)', position: 'insideBottom', offset: -2 }}
          height={40}
          interval={2}
        />
        <YAxis
          type="number"
          domain={[0, 1]}
          label={{ value: 'share right', angle: -90, position: 'insideLeft' }}
        />
        <Tooltip
          formatter={(value, name, item) => {
            const row = item.payload as (typeof data)[number];
            if (name === 'calibrated model') return [Number(value).toFixed(3), name];
            const [count, confidence] = String(name).startsWith('after')
              ? [row.afterCount, row.afterConfidence]
              : [row.beforeCount, row.beforeConfidence];
            return [
              `${Number(value).toFixed(3)} of ${count} images, mean confidence ${confidence?.toFixed(3) ?? '–'}`,
              name,
            ];
          }}
        />
        <Legend verticalAlign="bottom" />
        <Bar
          dataKey="before"
          name={`before calibration (${ece(before)})`}
          fill="#b0b7c3"
          isAnimationActive={false}
        />
        {after && <Bar dataKey="after" name={afterName} fill="#2f6fb0" isAnimationActive={false} />}
        <Line
          dataKey="ideal"
          name="calibrated model"
          stroke="#555"
          strokeDasharray="4 4"
          dot={false}
          isAnimationActive={false}
        />
      </ComposedChart>
    </figure>
  );
}
