/**
 * Adam for the app's training: tfjs's AdamOptimizer, whose update on the WebAssembly backend is
 * one kernel call for all the variables (src/kernels/wasm/adam.ts) instead of tfjs's 14 operations
 * per variable (about 5,000 kernel calls a DenseNet-121 step). The same arithmetic, the same state
 * (moments named `<variable>/m` and `/v`, beta powers, iterations), so checkpoints, resume and the
 * learning-rate schedule see a tfjs Adam; on every other backend it is tfjs's own update.
 */
import * as tf from '@tensorflow/tfjs';
import { FUSED_ADAM, fusedAdamRuns, type FusedAdamAttrs } from '../kernels/wasm/adam.ts';

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/** The state tfjs's AdamOptimizer keeps in private fields, which the fused update reads and writes. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    const list = Array.isArray(variableGradients) ? variableGradients : undefined;
    const names = list ? list.map((v) => v.name) : Object.keys(variableGradients);
    const gradientOf = (name: string, i: number) =>
      list ? list[i]?.tensor : (variableGradients as Record<string, tf.Tensor | undefined>)[name];
    const variables = tf.engine().registeredVariables;
    const fusable =
      fusedAdamRuns() &&
      names.every((name, i) => {
        const gradient = gradientOf(name, i);
        return variables[name]?.dtype === 'float32' && (!gradient || gradient.dtype === 'float32');
      });
    if (!fusable) {
      super.applyGradients(variableGradients);
      return;
    }
    const state = this as unknown as AdamState;
    tf.tidy(() => {
      const values: tf.Variable[] = [];
      const moments: [tf.Variable[], tf.Variable[]] = [[], []];
      const gradients: tf.Tensor[] = [];
      names.forEach((name, i) => {
        const value = variables[name] as tf.Variable;
        const moment = (suffix: string) => ({
          originalName: `${name}/${suffix}`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        });
        state.accumulatedFirstMoment[i] ??= moment('m');
        state.accumulatedSecondMoment[i] ??= moment('v');
        const gradient = gradientOf(name, i);
        if (!gradient) return;
        values.push(value);
        moments[0].push(state.accumulatedFirstMoment[i].variable);
        moments[1].push(state.accumulatedSecondMoment[i].variable);
        gradients.push(gradient);
      });
      if (values.length > 0) {
        const attrs: FusedAdamAttrs = {
          beta1: this.beta1,
          beta2: this.beta2,
          accBeta1: state.accBeta1.dataSync()[0] as number,
          accBeta2: state.accBeta2.dataSync()[0] as number,
          epsilon: this.epsilon,
          learningRate: this.learningRate,
        };
        const out = tf
          .engine()
          .runKernel(
            FUSED_ADAM,
            [...values, ...moments[0], ...moments[1], ...gradients] as unknown as tf.NamedTensorMap,
            attrs as unknown as tf.NamedAttrMap,
          ) as tf.Tensor[];
        const n = values.length;
        values.forEach((value, k) => {
          moments[0][k]?.assign(out[n + k] as tf.Tensor);
          moments[1][k]?.assign(out[2 * n + k] as tf.Tensor);
          value.assign(out[k] as tf.Tensor);
        });
      }
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/** tf.train.adam's defaults: beta1 0.9, beta2 0.999, the backend's epsilon. */
export const adam = (learningRate: number): tf.Optimizer =>
  new FusedAdamOptimizer(learningRate, 0.9, 0.999);
