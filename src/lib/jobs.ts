/**
 * What every long job of the app's workers shares: the stop request it checks between units of
 * work (batches, files, records), and a queue that runs tasks one after another.
 */

/** A stop request: the job reads it between units of work and ends early when it is set. */
export interface StopSignal {
  readonly stopped: boolean;
}

/** A stop request its owner can set. */
export interface StopSwitch extends StopSignal {
  stopped: boolean;
}

export const stopSwitch = (): StopSwitch => ({ stopped: false });

/**
 * A queue of tasks that run one after another: each starts when every earlier one has finished,
 * whether that one succeeded or failed.
 */
export function serialQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>) => {
    const result = tail.then(task, task);
    tail = result.catch(() => undefined);
    return result;
  };
}
