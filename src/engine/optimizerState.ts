/**
 * The optimizer's side of the engine: which update runs (SGD with momentum or Adam, read from the
 * tfjs optimizer the run made), its hyper-parameters at each step, and the tfjs state variables the
 * engine keeps current — momentum accumulations, or Adam's two moments and its β powers — so that
 * checkpoints, resume and a switch back to the tfjs path find a tfjs optimizer as tfjs left it.
 */
import * as tf from '@tensorflow/tfjs';

export type OptimizerKind = 'sgd-momentum' | 'adam';

interface MomentumFields {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: { originalName: string; variable: tf.Variable }[];
}

interface AdamFields {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/** The update the engine runs for this optimizer, or why it cannot. */
export function optimizerKind(optimizer: tf.Optimizer): OptimizerKind | string {
  const name = optimizer.getClassName();
  if (name === 'Adam') return 'adam';
  if (name === 'Momentum') {
    return (optimizer as unknown as MomentumFields).useNesterov
      ? 'Nesterov momentum'
      : 'sgd-momentum';
  }
  return `the ${name} optimizer`;
}

/** One step's hyper-parameters, as the optimizer kernel's uniforms take them. */
export interface StepHyper {
  learningRate: number;
  beta1: number;
  beta2: number;
  correction1: number;
  correction2: number;
  epsilon: number;
}

/**
 * The tfjs optimizer's state for the engine: the state variables per trainable weight (made
 * here, zero, where tfjs has not made them yet), in the order tfjs's own update keeps them.
 */
export class OptimizerState {
  constructor(
    readonly kind: OptimizerKind,
    private readonly optimizer: tf.Optimizer,
    private readonly trainable: tf.LayerVariable[],
  ) {}

  /** The state variables of each trainable weight: [accumulation] or [first, second moment]. */
  slots(): tf.Variable[][] {
    const make = (value: tf.Variable, suffix: string) => ({
      originalName: `${value.name}/${suffix}`,
      variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
    });
    return this.trainable.map((weight, i) => {
      const value = weight.read() as tf.Variable;
      if (this.kind === 'sgd-momentum') {
        const fields = this.optimizer as unknown as MomentumFields;
        fields.accumulations ??= [];
        fields.accumulations[i] ??= make(value, 'momentum');
        return [fields.accumulations[i].variable];
      }
      const fields = this.optimizer as unknown as AdamFields;
      fields.accumulatedFirstMoment[i] ??= make(value, 'm');
      fields.accumulatedSecondMoment[i] ??= make(value, 'v');
      return [
        fields.accumulatedFirstMoment[i].variable,
        fields.accumulatedSecondMoment[i].variable,
      ];
    });
  }

  /** Adam's β1^t and β2^t variables, which the engine advances each step. */
  betaPowers(): [tf.Variable, tf.Variable] | null {
    if (this.kind !== 'adam') return null;
    const fields = this.optimizer as unknown as AdamFields;
    return [fields.accBeta1, fields.accBeta2];
  }

  /** This step's hyper-parameters, given Adam's β powers before the step. */
  hyper(powers: [number, number] | null): StepHyper {
    if (this.kind === 'sgd-momentum') {
      const fields = this.optimizer as unknown as MomentumFields;
      return {
        learningRate: fields.learningRate,
        beta1: fields.momentum,
        beta2: 0,
        correction1: 1,
        correction2: 1,
        epsilon: 0,
      };
    }
    const fields = this.optimizer as unknown as AdamFields;
    const [p1, p2] = powers ?? [fields.beta1, fields.beta2];
    return {
      learningRate: fields.learningRate,
      beta1: fields.beta1,
      beta2: fields.beta2,
      correction1: 1 - p1,
      correction2: 1 - p2,
      epsilon: fields.epsilon,
    };
  }

  /** The β factors the powers are multiplied by after each step. */
  betas(): [number, number] {
    const fields = this.optimizer as unknown as AdamFields;
    return [fields.beta1, fields.beta2];
  }

  /** Counts a step on the tfjs optimizer (its `iterations`, which checkpoints store). */
  countStep(): void {
    (this.optimizer as unknown as { incrementIterations(): void }).incrementIterations();
  }
}
