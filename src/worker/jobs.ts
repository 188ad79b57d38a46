/**
 * Long jobs of the compute worker (training, masking, evaluation, diagnosis, imports) run one at a
 * time, and the backend changes only between them: a job asked for while another runs, or while
 * the backend is being switched, is refused at once with the running one's name (never queued
 * behind it), and so is a backend switch asked for while a job runs. A `stop` request reaches a
 * stoppable job through its signal, which it checks between batches.
 */
import { stopSwitch, type StopSignal, type StopSwitch } from '../lib/jobs.ts';

interface Active {
  name: string;
  signal: StopSwitch;
  /** The job checks its signal: a `stop` request ends it early. */
  stoppable: boolean;
}

let active: Active | null = null;

async function hold<T>(
  name: string,
  stoppable: boolean,
  job: (signal: StopSignal) => Promise<T>,
): Promise<T> {
  const current = { name, signal: stopSwitch(), stoppable };
  active = current;
  try {
    return await job(current.signal);
  } finally {
    active = null;
  }
}

/**
 * Runs `job` when nothing else runs; otherwise refuses it, naming the job that runs. `stoppable`:
 * the job checks its signal (training, masking, evaluation), so a `stop` request ends it.
 */
export async function runIfIdle<T>(
  name: string,
  job: (signal: StopSignal) => Promise<T>,
  { stoppable = true }: { stoppable?: boolean } = {},
): Promise<T> {
  if (active) {
    const how = active.stoppable ? 'stop it or wait for it to finish' : 'wait for it to finish';
    throw new Error(`${active.name} is running: ${how}.`);
  }
  return hold(name, stoppable, job);
}

/**
 * Runs `change` (a switch of tfjs backend) when no job runs, and refuses jobs while it runs: a job
 * must start and end on one backend. While a job runs, refuses the switch, naming the job.
 */
export async function switchBackendIfIdle<T>(change: () => Promise<T>): Promise<T> {
  if (active) {
    const until = active.stoppable ? 'it finishes or is stopped' : 'it finishes';
    throw new Error(`${active.name} is running: the backend cannot change until ${until}.`);
  }
  return hold('Switching the backend', false, change);
}

/** Asks the running job to stop after its current batch; false when none runs that can stop. */
export function stopActive(): boolean {
  if (!active?.stoppable) return false;
  active.signal.stopped = true;
  return true;
}
