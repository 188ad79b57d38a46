/**
 * Long jobs of the compute worker (training, masking, evaluation...) run one at a time: a job asked
 * for while another runs is refused at once, with the running one's name (never queued behind
 * it). A `stop` request reaches the running job through its signal, which it checks between
 * batches.
 */
import { stopSwitch, type StopSignal, type StopSwitch } from '../lib/jobs.ts';

let active: { name: string; signal: StopSwitch } | null = null;

/** Runs `job` when nothing else runs; otherwise refuses it, naming the job that runs. */
export async function runIfIdle<T>(
  name: string,
  job: (signal: StopSignal) => Promise<T>,
): Promise<T> {
  if (active) throw new Error(`${active.name} is running: stop it or wait for it to finish.`);
  const current = { name, signal: stopSwitch() };
  active = current;
  try {
    return await job(current.signal);
  } finally {
    active = null;
  }
}

/** Asks the running job to stop after its current batch; false when nothing runs. */
export function stopActive(): boolean {
  if (!active) return false;
  active.signal.stopped = true;
  return true;
}
