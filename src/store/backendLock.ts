/** Whether the person may switch the backend now, and if not, why. */
import type { AppState } from './index.ts';

/**
 * Why the backend cannot be switched now, in words for the person (the select's title); null when
 * it can. A job runs on one backend from start to end: the worker refuses a switch meanwhile.
 */
export function backendLock(state: AppState): string | null {
  const { status, jobs } = state.runtime;
  if (status === 'starting') return 'The compute worker is still starting.';
  if (status === 'error') return 'The compute worker is not running.';
  const job = jobs[0];
  return job ? `The backend cannot change while ${job}: it can once that finishes.` : null;
}
