/**
 * A leak shows as tensors that grow epoch over epoch: the loop frees every batch, so after each
 * epoch the worker should hold the same number of tensors. Two rises in a row are reported (the
 * first epoch may legitimately allocate, e.g. optimizer slots, and a single rise may be a cache).
 */
import type { EpochFigures } from './runs.ts';

export interface TensorGrowth {
  /** Epochs (1-based) over which the count rose. */
  fromEpoch: number;
  toEpoch: number;
  from: number;
  to: number;
}

export function tensorGrowth(
  history: Pick<EpochFigures, 'epoch' | 'tensors'>[],
): TensorGrowth | null {
  const counted = history.filter(
    (f): f is { epoch: number; tensors: number } => f.tensors !== undefined,
  );
  const last = counted.slice(-3);
  const [a, b, c] = last;
  if (!a || !b || !c || !(a.tensors < b.tensors && b.tensors < c.tensors)) return null;
  return { fromEpoch: a.epoch + 1, toEpoch: c.epoch + 1, from: a.tensors, to: c.tensors };
}
