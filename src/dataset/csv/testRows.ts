/** Shared builders for the parseIsicCsv tests. */
import type { GroupKind, LabelRow, MetadataRow } from '../types.ts';

/** The group fields of a row: ISIC's patient ids start `IP_`, its lesion ids anything else. */
const grouped = (group?: string): { group?: string; groupBy?: GroupKind } =>
  group === undefined ? {} : { group, groupBy: group.startsWith('IP_') ? 'patient' : 'lesion' };

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
  ...grouped(group),
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
  ...grouped(group),
});
