/** The filter and pager shared by the image lists (the Dataset gallery, the Masking examples). */
import { SPLITS, SPLIT_LABELS } from '../../dataset/types.ts';

/** The count of a list and, when it has several pages, previous / next. */
export function Pager({
  count,
  page,
  pages,
  setPage,
}: {
  count: number;
  page: number;
  pages: number;
  setPage: (page: number) => void;
}) {
  return (
    <span className="muted">
      {count} images
      {pages > 1 && (
        <>
          {' '}
          · page{' '}
          <button
            type="button"
            className="button-quiet"
            disabled={page === 0}
            onClick={() => setPage(page - 1)}
          >
            ‹
          </button>{' '}
          {page + 1} / {pages}{' '}
          <button
            type="button"
            className="button-quiet"
            disabled={page >= pages - 1}
            onClick={() => setPage(page + 1)}
          >
            ›
          </button>
        </>
      )}
    </span>
  );
}

/** A split filter: all splits, or one. */
export function SplitSelect({
  value,
  onChange,
  testId,
}: {
  value: string;
  onChange: (split: string) => void;
  testId?: string;
}) {
  return (
    <label>
      Split{' '}
      <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="all">All</option>
        {SPLITS.map((s) => (
          <option key={s} value={s}>
            {SPLIT_LABELS[s]}
          </option>
        ))}
      </select>
    </label>
  );
}
