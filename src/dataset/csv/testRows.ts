/** Shared builders for the parseIsicCsv tests. */
import type { LabelRow, MetadataRow } from '../types.ts';

export const F = 'labels.csv';
export const csv = (...lines: string[]): string => lines.join('\n') + '\n';
export const ignored = (id: string, what: string) => ({
  file: F,
  reason: `row ${id}: ${what}; the row is ignored`,
  key: id.toLowerCase(),
});
export const label = (
  id: string,
  label: LabelRow['label'],
  diagnosis: string,
  group?: string,
): LabelRow => ({
  id,
  key: id.toLowerCase(),
  label,
  diagnosis,
  ...(group === undefined ? {} : { group }),
});
export const meta = (
  id: string,
  age: number | null,
  sex: string | null,
  site: string | null,
  group?: string,
): MetadataRow => ({
  id,
  key: id.toLowerCase(),
  age,
  sex,
  site,
  ...(group === undefined ? {} : { group }),
});
