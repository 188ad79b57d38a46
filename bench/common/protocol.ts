/**
 * What every training benchmark's page, worker and driver say to each other (bench/segnet,
 * bench/densenet). Types only: the Node side imports it too.
 */

/** One epoch's (or one pass's) work of one contender: how many images, how many seconds. */
export interface EpochTiming {
  images: number;
  seconds: number;
}

/**
 * From a benchmark's worker to its page. `round` carries a finished round as soon as it is
 * measured, so that the driver keeps the rounds of a run that later times out.
 */
export type WorkerMessage<Result, Round = never> =
  | { type: 'progress'; text: string }
  | { type: 'round'; round: Round }
  | { type: 'done'; result: Result }
  | { type: 'error'; message: string };
