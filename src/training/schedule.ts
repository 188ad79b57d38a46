/**
 * The learning rate over a run, and decoupled weight decay, applied before each training step.
 * Steps count over the whole run (augmentSeeds.ts), so a resumed run picks the schedule up where
 * it stopped.
 *
 * - `constant`: the preset's rate throughout (the seed recipe, and runs stored before schedules).
 * - `warmup-cosine`: a linear warm-up from a tenth of the rate over `warmupEpochs`, then a cosine
 *   down to `finalFraction` of the rate at the last epoch (Loshchilov and Hutter's SGDR, one cycle).
 *   Large early steps from a fresh initialisation are what make short runs diverge or stall; the
 *   slow end lets the weights settle in a minimum instead of bouncing around it.
 * - Weight decay multiplies every kernel (convolution and dense weights; not biases or batch-norm
 *   scales) by 1 - rate x decay before each step: AdamW's decoupled decay (Loshchilov and Hutter,
 *   2019), which unlike an L2 loss term is not scaled away by Adam's per-weight step sizes.
 */
import * as tf from '@tensorflow/tfjs';

export interface LearningRateSchedule {
  kind: 'constant' | 'warmup-cosine';
  /** Epochs of linear warm-up (fractions allowed); 0: none. */
  warmupEpochs: number;
  /** The rate at the end of the cosine, as a fraction of the peak. */
  finalFraction: number;
}

export const CONSTANT: LearningRateSchedule = {
  kind: 'constant',
  warmupEpochs: 0,
  finalFraction: 1,
};

/** Where the warm-up starts, as a fraction of the peak rate. */
const WARMUP_START = 0.1;

/** The learning rate of a run's `step` (from 0), for `epochs` epochs of `stepsPerEpoch` steps. */
export function learningRateAt(
  peak: number,
  schedule: LearningRateSchedule,
  step: number,
  stepsPerEpoch: number,
  epochs: number,
): number {
  if (schedule.kind === 'constant') return peak;
  const total = Math.max(1, stepsPerEpoch * epochs);
  const warmup = Math.min(total - 1, Math.round(schedule.warmupEpochs * stepsPerEpoch));
  if (step < warmup) return peak * (WARMUP_START + ((1 - WARMUP_START) * step) / warmup);
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - 1 - warmup));
  const floor = peak * schedule.finalFraction;
  return floor + ((peak - floor) * (1 + Math.cos(Math.PI * progress))) / 2;
}

/** Sets the rate a tfjs optimizer uses from its next step on (Adam reads it, SGD keeps a scalar). */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  // Not `instanceof tf.SGDOptimizer`: tfjs's optimizers answer instanceof by duck typing, and an
  // Adam optimizer passes it.
  const sgd = optimizer as unknown as { setLearningRate?: (rate: number) => void };
  if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(rate);
  else (optimizer as unknown as { learningRate: number }).learningRate = rate;
}

/** The variables weight decay shrinks: the kernels of convolutions and dense layers. */
export function decayedWeights(model: tf.LayersModel): tf.LayerVariable[] {
  return model.trainableWeights.filter((w) =>
    /(^|\/)(kernel|depthwise_kernel)(_\d+)?$/.test(w.name),
  );
}

export interface StepSettings {
  optimizer: tf.Optimizer;
  model: tf.LayersModel;
  learningRate: number;
  schedule: LearningRateSchedule | undefined;
  /** Decoupled weight decay per unit of learning rate; 0 or unset: none. */
  weightDecay: number | undefined;
  /** The run's step the session starts at, and the run's shape. */
  first: number;
  stepsPerEpoch: number;
  epochs: number;
}

/**
 * The loop's `beforeStep`: sets the step's learning rate and decays the kernels. Undefined when
 * the run has neither (the rate then stays the one the optimizer was made with).
 */
export function stepSchedule(settings: StepSettings): ((step: number) => void) | undefined {
  const schedule = settings.schedule ?? CONSTANT;
  const decay = settings.weightDecay ?? 0;
  if (schedule.kind === 'constant' && decay <= 0) return undefined;
  const kernels = decay > 0 ? decayedWeights(settings.model) : [];
  return (step) => {
    const rate = learningRateAt(
      settings.learningRate,
      schedule,
      settings.first + step,
      settings.stepsPerEpoch,
      settings.epochs,
    );
    setLearningRate(settings.optimizer, rate);
    if (kernels.length === 0) return;
    const keep = 1 - rate * decay;
    tf.tidy(() => {
      for (const kernel of kernels) kernel.write(tf.mul(kernel.read(), keep));
    });
  };
}
