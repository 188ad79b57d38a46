import { splitMetrics, type EvalPredictions, type SplitMetrics } from '../../metrics/report.ts';
import { score } from '../format.ts';

const ROWS: { label: string; figure: (m: SplitMetrics) => number | null }[] = [
  { label: 'Melanoma AUC', figure: (m) => m.melanoma_auc },
  { label: 'Seborrheic keratosis AUC', figure: (m) => m.seborrheic_keratosis_auc },
  { label: 'Mean AUC', figure: (m) => m.mean_auc },
  { label: 'Melanoma F1 at the threshold', figure: (m) => m.melanoma_f1 },
  { label: 'Accuracy (3 classes)', figure: (m) => m.accuracy },
];

/**
 * Two runs' figures on the same split, side by side, at the same threshold, each in the view shown
 * (TTA, calibrated) where the run has it.
 */
export function Comparison(props: {
  record: EvalPredictions;
  compare: EvalPredictions;
  threshold: number;
}) {
  const { record, compare, threshold } = props;
  const a = splitMetrics(record, { threshold });
  const b = splitMetrics(compare, { threshold });
  return (
    <table className="runs-table comparison" data-testid="eval-comparison">
      <caption>
        Side by side on the same split ({record.keys.length} and {compare.keys.length} images)
      </caption>
      <thead>
        <tr>
          <th scope="col">figure</th>
          <th scope="col">this run</th>
          <th scope="col">compared run</th>
        </tr>
      </thead>
      <tbody>
        {ROWS.map((row) => (
          <tr key={row.label}>
            <th scope="row">{row.label}</th>
            <td>{score(row.figure(a))}</td>
            <td>{score(row.figure(b))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
