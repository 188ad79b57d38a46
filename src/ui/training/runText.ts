/** How a training run (SegNet or classifier) is described on the page. */
import type { RunRecord } from '../../runs/runs.ts';

type Run = RunRecord<{ epochs: number }>;

export function runStatusText(run: Run, active: boolean): string {
  const done = run.epochsDone;
  if (run.importedFrom) return `Imported from ${run.importedFrom}`;
  switch (run.status) {
    case 'running':
      return active ? `Training epoch ${done + 1}` : `Interrupted in epoch ${done + 1}`;
    case 'stopped':
      return done === 0 ? 'Stopped before its first epoch ended' : `Stopped after epoch ${done}`;
    case 'finished':
      return `Finished ${done} epochs`;
    case 'early-stop':
      return `Stopped early after epoch ${done}`;
    case 'failed':
      return `Failed in epoch ${done + 1}`;
  }
}

/** A stopped, failed or interrupted run with a finished epoch and epochs left can go on. */
export function canResume(run: Run, active: boolean): boolean {
  return (
    !active &&
    !run.importedFrom &&
    run.status !== 'finished' &&
    run.status !== 'early-stop' &&
    run.epochsDone > 0 &&
    run.epochsDone < run.config.epochs
  );
}
