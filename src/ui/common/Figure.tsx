import { score } from '../format.ts';

interface FigureProps {
  label: string;
  /** A figure in 0..1; null or undefined when there is none. */
  value: number | null | undefined;
  /** The `data-testid` of the value, which carries it at full precision in `data-value`. */
  id?: string;
  /** What shows where there is no figure. */
  missing?: string;
}

/** One label and figure of a `<dl>`: three decimals shown, full precision in `data-value`. */
export function Figure({ label, value, id, missing = '–' }: FigureProps) {
  const known = value !== null && value !== undefined;
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={id} data-value={value ?? ''} title={known ? String(value) : missing}>
        {known ? score(value) : missing}
      </dd>
    </>
  );
}
