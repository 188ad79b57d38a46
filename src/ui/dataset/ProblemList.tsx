import type { Problem } from '../../dataset/types.ts';

/** Rendering more rows than this slows the page; the count still says how many there are. */
const SHOWN = 1000;

/** Every file that was skipped or refused, with the reason. */
export function ProblemList({ problems }: { problems: Problem[] }) {
  if (problems.length === 0) return null;
  return (
    <details className="problems" open={problems.length <= 20}>
      <summary>
        {problems.length} {problems.length === 1 ? 'file was' : 'files were'} not used
      </summary>
      <ul>
        {problems.slice(0, SHOWN).map((p, i) => (
          <li key={`${p.file}:${i}`} data-testid="ingest-problem">
            <code>{p.file}</code>: {p.reason}
          </li>
        ))}
      </ul>
      {problems.length > SHOWN && <p className="muted">…and {problems.length - SHOWN} more.</p>}
    </details>
  );
}
