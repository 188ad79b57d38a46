/** Cell values as the ISIC CSVs write them: flags, unknowns, ages, lesion or patient groups. */
import type { GroupKind, MetadataRow } from '../types.ts';
import type { Cells } from './formats.ts';

export type MetadataFields = Omit<MetadataRow, 'id' | 'key'>;

/** A 0/1 flag as the files write it (`0`, `1`, `0.0`, `1.0`), or null when it is neither. */
export function flag(value: string): 0 | 1 | null {
  if (/^0(\.0+)?$/.test(value)) return 0;
  if (/^1(\.0+)?$/.test(value)) return 1;
  return null;
}

/** Empty or `unknown` becomes null; anything else is kept as written. */
export function known(value: string): string | null {
  return value === '' || value.toLowerCase() === 'unknown' ? null : value;
}

/** The age in years, null when empty or unknown, or a refusal reason. */
export function age(column: string, value: string): number | null | { refused: string } {
  if (known(value) === null) return null;
  const years = Number(value);
  return Number.isFinite(years) && years >= 0
    ? years
    : { refused: `${column} is "${value}", expected an age in years` };
}

/** The id columns that group images, and what each groups by. */
export const GROUP_COLUMNS = { lesion_id: 'lesion', patient_id: 'patient' } as const;
export type GroupColumn = keyof typeof GROUP_COLUMNS;

/** `{ group, groupBy }` when the row has an id in `column`, else nothing. */
export function groupOf(
  cells: Cells,
  column: GroupColumn,
): { group?: string; groupBy?: GroupKind } {
  const value = cells(column);
  return value === '' ? {} : { group: value, groupBy: GROUP_COLUMNS[column] };
}

/** A metadata row from the named columns, or a refusal when the age is not a number. */
export function metadata(
  cells: Cells,
  columns: { age: string; sex: string; site?: string; group?: GroupColumn },
): MetadataFields | { refused: string } {
  const years = age(columns.age, cells(columns.age));
  if (years !== null && typeof years === 'object') return years;
  return {
    age: years,
    sex: known(cells(columns.sex)),
    site: columns.site === undefined ? null : known(cells(columns.site)),
    ...(columns.group === undefined ? {} : groupOf(cells, columns.group)),
  };
}
