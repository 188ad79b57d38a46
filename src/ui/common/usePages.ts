import { useMemo, useState } from 'react';

/** One page of a list; the page is clamped when the list shrinks under it. */
export function usePages<T>(list: readonly T[], pageSize: number) {
  const [page, setPage] = useState(0);
  const pages = Math.max(1, Math.ceil(list.length / pageSize));
  const current = Math.min(page, pages - 1);
  const visible = useMemo(
    () => list.slice(current * pageSize, (current + 1) * pageSize),
    [list, current, pageSize],
  );
  return { page: current, pages, visible, setPage };
}
