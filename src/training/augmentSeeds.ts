/**
 * The augmentation seed of each training step, one rule for the SegNet and the classifier. Steps
 * count over the whole run, not per session: a session resumed after n epochs starts at n times
 * the steps of an epoch. So every step of every epoch draws a new augmentation, the same run seed
 * draws the same ones again, and a resumed run draws what the uninterrupted one would have.
 */

/** The run's step a session starts at, after `epochsDone` epochs of full batches. */
export function firstStep(epochsDone: number, trainSamples: number, batchSize: number): number {
  return epochsDone * Math.floor(trainSamples / batchSize);
}

/** The seed of the session's `step`-th batch (from 0), in a session that began at `first`. */
export function stepSeed(runSeed: number, first: number, step: number): number {
  return runSeed * 100_003 + first + step;
}
