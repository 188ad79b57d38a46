/**
 * An exponential moving average of a model's weights over its training steps (Polyak averaging,
 * as timm's ModelEma): every weight, batch norm's moving statistics included. A short run at a
 * high learning rate ends wherever its last batches left it, and its validation AUC swings from
 * epoch to epoch; the average of the last few hundred steps is steadier and usually better.
 *
 * The loop validates and checkpoints the average (`useAverage`), then trains on from the trained
 * weights (`useTrained`). Checkpoints hold the average, so a resumed run starts from it: the
 * average carries on unbroken, and the trained weights restart at their own average.
 */
import * as tf from '@tensorflow/tfjs';

/** Weights as tfjs layers hold them (`model.weights`). */
interface Weight {
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

export class WeightAverage {
  private readonly averages: tf.Variable[];
  private trained: tf.Tensor[] | null = null;
  private updates = 0;

  /**
   * `decay`: the share of the average each step keeps (0.998: about the last 500 steps). Early
   * on the average keeps less, (1 + n) / (10 + n) after n updates, so that it is not held by the
   * first, untrained weights.
   */
  constructor(
    private readonly weights: readonly Weight[],
    private readonly decay: number,
  ) {
    if (!(decay > 0 && decay < 1))
      throw new Error(`The weight average's decay must be in (0, 1): ${decay}`);
    // New buffers (an arithmetic result, not a clone that shares the weight's data): the WebGPU
    // engine writes trained weights into the variables' own buffers.
    this.averages = weights.map((w) => tf.tidy(() => tf.variable(tf.add(w.read(), 0), false)));
  }

  /** The share of the average the next update keeps. */
  get keep(): number {
    return Math.min(this.decay, (1 + this.updates) / (10 + this.updates));
  }

  /** Folds the current weights in (after a training step). */
  update(): void {
    if (this.trained) throw new Error('The weight average cannot update while it is in use');
    const keep = this.keep;
    this.updates++;
    tf.tidy(() => {
      this.weights.forEach((w, i) => {
        const average = this.averages[i] as tf.Variable;
        average.assign(tf.add(tf.mul(average, keep), tf.mul(w.read(), 1 - keep)));
      });
    });
  }

  /** Puts the average into the model (to validate and checkpoint it); the trained weights are kept. */
  useAverage(): void {
    if (this.trained) return;
    // The model's variables share the averages' data until `useTrained`: nothing writes either
    // in between (an update makes new data; the engine writes only during a step).
    this.trained = this.weights.map((w) => tf.clone(w.read()));
    this.weights.forEach((w, i) => w.write(this.averages[i] as tf.Variable));
  }

  /** Puts the trained weights back, to train on. */
  useTrained(): void {
    const trained = this.trained;
    if (!trained) return;
    this.trained = null;
    this.weights.forEach((w, i) => w.write(trained[i] as tf.Tensor));
    tf.dispose(trained);
  }

  dispose(): void {
    this.useTrained();
    tf.dispose(this.averages);
  }
}
