/**
 * Seeded split of images into train / val / test, stratified by class and grouped by lesion or
 * patient, for datasets whose folders do not name the splits (ISIC 2018 Task 3, 2019, 2020) or
 * name no validation split (ISIC 2016). Images of one group always land in one split.
 */
import { Random } from '../lib/random.ts';
import type { LesionClass, Split } from './types.ts';

export interface SplitItem {
  key: string;
  /** The split the folders gave, or null. */
  split: Split | null;
  /** The class; `other` for an image kept for an "other" class; null when unlabeled. */
  label: LesionClass | typeof OTHER_STRATUM | null;
  /** Lesion or patient id; images without one form groups of their own. */
  group?: string | undefined;
}

/**
 * The stratum of images of other diagnoses (kept for an "other" class). It is dealt after every
 * other stratum, so that keeping those images changes no other image's split.
 */
export const OTHER_STRATUM = 'other' as const;

/** Target shares when a whole dataset is split, and when validation is carved out of train. */
export const FULL_SPLIT: Record<Split, number> = { train: 0.7, val: 0.15, test: 0.15 };
export const CARVE_VALIDATION: Record<Split, number> = { train: 0.85, val: 0.15, test: 0 };

/**
 * How the splits are made:
 * - `all`: no item has val or test from its folders, so all are split 70 / 15 / 15;
 * - `validation`: test but no val, so train (and unsplit) items are split 85 / 15 into train and
 *   val;
 * - `unsplit`: folder splits stand and only items without one are split 70 / 15 / 15.
 */
export type SplitMethod = 'all' | 'validation' | 'unsplit';

export function splitMethod(items: readonly SplitItem[]): SplitMethod {
  const present = new Set(items.map((i) => i.split));
  if (!present.has('val') && !present.has('test')) return 'all';
  return present.has('val') ? 'unsplit' : 'validation';
}

/** Whether the app splits `item` (seeded) under `method`, rather than keeping its folder's split. */
export function isSeeded(item: SplitItem, method: SplitMethod): boolean {
  if (method === 'all') return true;
  return method === 'validation' ? item.split !== 'test' : item.split === null;
}

/** Assigns every item a split, by `splitMethod`; the seeded part is stratified and grouped. */
export function assignSplits(items: readonly SplitItem[], seed: number): Map<string, Split> {
  const result = new Map<string, Split>();
  const method = splitMethod(items);
  const free: SplitItem[] = [];
  for (const item of items) {
    if (isSeeded(item, method)) free.push(item);
    else result.set(item.key, item.split as Split);
  }
  const shares = method === 'validation' ? CARVE_VALIDATION : FULL_SPLIT;
  for (const [key, split] of stratifiedGroupSplit(free, shares, seed)) result.set(key, split);
  return result;
}

/**
 * Groups are dealt class by class, in a seeded order, each to the split furthest below its target
 * share of that class's images: exact shares where group sizes allow, deterministic per seed.
 */
function stratifiedGroupSplit(
  items: readonly SplitItem[],
  shares: Record<Split, number>,
  seed: number,
): Map<string, Split> {
  const groups = new Map<string, SplitItem[]>();
  for (const item of items) {
    const id = item.group ? `group:${item.group}` : `image:${item.key}`;
    groups.set(id, [...(groups.get(id) ?? []), item]);
  }
  const byClass = new Map<string, SplitItem[][]>();
  for (const members of [...groups.keys()].sort().map((id) => groups.get(id) ?? [])) {
    const stratum = majorityLabel(members);
    byClass.set(stratum, [...(byClass.get(stratum) ?? []), members]);
  }

  const random = new Random(seed);
  const result = new Map<string, Split>();
  const splits = (Object.keys(shares) as Split[]).filter((s) => shares[s] > 0);
  const strata = [...byClass.keys()].sort(
    (a, b) => Number(a === OTHER_STRATUM) - Number(b === OTHER_STRATUM) || (a < b ? -1 : 1),
  );
  for (const stratum of strata) {
    const stratumGroups = random.shuffle([...(byClass.get(stratum) ?? [])]);
    const total = stratumGroups.reduce((n, g) => n + g.length, 0);
    const filled: Record<Split, number> = { train: 0, val: 0, test: 0 };
    for (const members of stratumGroups) {
      // The split whose share would be most under target after receiving this group.
      let best = splits[0] as Split;
      let bestDeficit = -Infinity;
      for (const split of splits) {
        const deficit = shares[split] * total - filled[split];
        if (deficit > bestDeficit) {
          best = split;
          bestDeficit = deficit;
        }
      }
      filled[best] += members.length;
      for (const item of members) result.set(item.key, best);
    }
  }
  return result;
}

function majorityLabel(members: readonly SplitItem[]): string {
  const counts = new Map<string, number>();
  for (const m of members)
    counts.set(m.label ?? 'unlabeled', (counts.get(m.label ?? 'unlabeled') ?? 0) + 1);
  return (
    [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ??
    'unlabeled'
  );
}
