import { COUNT_COLUMNS, type CountColumn, type DatasetSummary } from '../../dataset/summary.ts';
import { CLASS_LABELS, SPLITS, SPLIT_LABELS } from '../../dataset/types.ts';
import { LicenceSummary } from './LicenceSummary.tsx';
import { grouping, splitText } from './splitText.ts';

/** Images per split and class, and how many have a ground-truth mask. */
export function CountsTable({ summary }: { summary: DatasetSummary }) {
  const { counts, leftOut } = summary;
  const total = (column: keyof (typeof counts)['train']) =>
    SPLITS.reduce((sum, split) => sum + counts[split][column], 0);
  // The "other" column only for a dataset that kept images of other diagnoses.
  const columns = COUNT_COLUMNS.filter((c) => c !== 'other' || total('other') > 0);
  const heading = (c: CountColumn) =>
    c === 'unlabeled' ? 'Unlabeled' : c === 'other' ? 'Other diagnoses' : CLASS_LABELS[c];

  return (
    <div className="counts">
      <table className="counts-table">
        <thead>
          <tr>
            <th scope="col">Split</th>
            {columns.map((c) => (
              <th key={c} scope="col">
                {heading(c)}
              </th>
            ))}
            <th scope="col">Images</th>
            <th scope="col">With mask</th>
          </tr>
        </thead>
        <tbody>
          {SPLITS.map((split) => (
            <tr key={split}>
              <th scope="row">{SPLIT_LABELS[split]}</th>
              {columns.map((c) => (
                <td key={c} data-testid={`count-${split}-${c}`} data-value={counts[split][c]}>
                  {counts[split][c]}
                </td>
              ))}
              <td data-testid={`count-${split}-total`} data-value={counts[split].total}>
                {counts[split].total}
              </td>
              <td data-testid={`count-${split}-masks`} data-value={counts[split].masks}>
                {counts[split].masks}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">All</th>
            {columns.map((c) => (
              <td key={c}>{total(c)}</td>
            ))}
            <td>{total('total')}</td>
            <td>{total('masks')}</td>
          </tr>
        </tfoot>
      </table>
      {summary.pending > 0 && (
        <p className="notice-inline" data-testid="pending-note" data-value={summary.pending}>
          {summary.pending} images from an unfinished ingest are not stored yet. Add the same files
          again to finish: what is stored is skipped.
        </p>
      )}
      {summary.mapping.length > 0 && (
        <div className="muted class-mapping" data-testid="class-mapping">
          Classes from the diagnoses in the label files:
          <ul>
            {summary.mapping.map(({ label, diagnoses }) => (
              <li key={label} data-class={label}>
                {CLASS_LABELS[label]} ←{' '}
                {diagnoses.map((d) => `${d.diagnosis} (${d.count})`).join(' · ')}
              </li>
            ))}
          </ul>
        </div>
      )}
      {summary.other.length > 0 && (
        <p className="muted" data-testid="other-diagnoses">
          Kept for an &ldquo;other&rdquo; class (a classifier may learn them; they are not scored):{' '}
          {summary.other.map((o) => `${o.diagnosis} ${o.count}`).join(', ')}.
        </p>
      )}
      {leftOut.length > 0 && (
        <p className="muted" data-testid="left-out">
          Left out (diagnoses outside the three classes):{' '}
          {leftOut.map((l) => `${l.diagnosis} ${l.count}`).join(', ')}.
        </p>
      )}
      <p
        className="muted"
        data-testid="split-method"
        data-value={summary.split.method}
        data-state={grouping(summary.split)}
      >
        {splitText(summary.split)}
      </p>
      <LicenceSummary licences={summary.licences} />
    </div>
  );
}
