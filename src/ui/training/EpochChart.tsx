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

const WIDTH = 420;
const HEIGHT = 220;

export interface EpochChartProps {
  title: string;
  data: Record<string, number | undefined>[];
  /** The best epoch (1-based), marked with a line. */
  best: number | null;
  lines: { key: string; name: string; color: string }[];
  /** Top of the y axis: 1 for figures in 0..1 (the default), 'auto' for losses. */
  yMax?: number | 'auto';
}

/** Figures against the epoch; the best epoch is marked. */
export function EpochChart({ title, data, best, lines, yMax = 1 }: EpochChartProps) {
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
        <YAxis domain={[0, yMax]} />
        <Tooltip formatter={(v) => Number(v).toFixed(4)} />
        <Legend />
        {best && (
          <ReferenceLine
            x={best}
            stroke="#999"
            strokeDasharray="4 4"
            label={{ value: 'best', position: 'insideTopRight' }}
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
