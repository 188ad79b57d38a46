import { SPLITS, SPLIT_LABELS } from '../../dataset/types.ts';
import type { MaskingSummary } from '../../masking/summary.ts';
import { score } from '../format.ts';

/** Per split: images masked, and the masks' mean Jaccard, Dice and thresholded Jaccard. */
export function MaskScores({ summary }: { summary: MaskingSummary }) {
  if (summary.source.kind === 'truth') {
    return <p className="muted">Ground-truth masks were applied: there is nothing to score.</p>;
  }
  return (
    <table className="counts-table" data-testid="mask-scores">
      <thead>
        <tr>
          <th scope="col">Split</th>
          <th scope="col">Images</th>
          <th scope="col">With ground truth</th>
          <th scope="col">Mean Jaccard</th>
          <th scope="col">Mean Dice</th>
          <th scope="col" title="ISIC 2017 Task 1: an image below 0.65 Jaccard counts 0">
            Thresholded Jaccard
          </th>
        </tr>
      </thead>
      <tbody>
        {SPLITS.map((split) => {
          const s = summary.perSplit[split];
          return (
            <tr key={split}>
              <th scope="row">{SPLIT_LABELS[split]}</th>
              <td>{s.images}</td>
              <td>{s.scored}</td>
              <td data-testid={`mask-jaccard-${split}`} data-value={s.jaccard ?? ''}>
                {score(s.jaccard)}
              </td>
              <td data-testid={`mask-dice-${split}`} data-value={s.dice ?? ''}>
                {score(s.dice)}
              </td>
              <td
                data-testid={`mask-thresholded-jaccard-${split}`}
                data-value={s.thresholdedJaccard ?? ''}
              >
                {score(s.thresholdedJaccard)}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
