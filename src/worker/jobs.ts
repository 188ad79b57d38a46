/**
 * Long jobs of the compute worker (training, masking) run one at a time; a `stop` request reaches
 * the one running through its signal, which the job checks between batches.
 */

export interface StopSignal {
  readonly stopped: boolean;
}

let active: { name: string; signal: { stopped: boolean } } | null = null;

export async function runExclusive<T>(
  name: string,
  job: (signal: StopSignal) => Promise<T>,
): Promise<T> {
  if (active) throw new Error(`${active.name} is running: stop it or wait for it to finish.`);
  const current = { name, signal: { stopped: false } };
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
