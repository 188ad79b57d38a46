/**
 * Adam's update of all of a model's variables as one kernel call on the wasm backend (the
 * project's own WebAssembly, native/adam.c, shared over the kernel threads), for the optimizer in
 * src/training/adam.ts. Inputs: the variables' values, then their first moments, second moments
 * and gradients, as one list; outputs: the new values, first moments and second moments.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import * as builds from './native/adam.wasm.ts';
import { address, nativeKernel, nativeSimd, withFloats, withInts } from './native/module.ts';

export const FUSED_ADAM = 'LesionLabAdam';

export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  /** The moments' value of beta1^t and beta2^t, as tfjs keeps them (float32). */
  accBeta1: number;
  accBeta2: number;
  epsilon: number;
  learningRate: number;
}

/** Whether this engine runs the kernel: registered (src/kernels/register.ts) and with SIMD. */
export const fusedAdamRuns = (): boolean =>
  tf.getBackend() === 'wasm' &&
  tf.getKernel(FUSED_ADAM, 'wasm') !== undefined &&
  nativeSimd() !== null;

export function fusedAdam({
  inputs,
  backend: own,
  attrs,
}: {
  inputs: unknown;
  backend: unknown;
  attrs: unknown;
}): tf.TensorInfo[] {
  const backend = own as BackendWasm;
  const tensors = inputs as tf.TensorInfo[];
  const a = attrs as unknown as FusedAdamAttrs;
  const count = tensors.length / 4;
  const input = (group: number, k: number) => tensors[group * count + k] as tf.TensorInfo;
  const outputs = [0, 1, 2].map(() =>
    Array.from({ length: count }, (_, k) => backend.makeOutput(input(0, k).shape, 'float32')),
  );
  const table: number[] = [];
  let total = 0;
  for (let k = 0; k < count; k++) {
    const size = tf.util.sizeFromShape(input(0, k).shape);
    for (let group = 0; group < 4; group++) {
      const tensor = input(group, k);
      if (tensor.dtype !== 'float32' || tf.util.sizeFromShape(tensor.shape) !== size) {
        throw new Error(`${FUSED_ADAM}: variable ${k} has tensors of other sizes or types`);
      }
      table.push(address(backend, tensor));
    }
    for (const group of outputs) table.push(address(backend, group[k] as tf.TensorInfo));
    table.push(size);
    total += size;
  }
  const f = Math.fround;
  // As tfjs's Adam rounds them: scalars made from numbers, and 1 - beta^t in float32.
  const scalars = [
    f(a.beta1),
    f(1 - a.beta1),
    f(a.beta2),
    f(1 - a.beta2),
    f(1 - f(a.accBeta1)),
    f(1 - f(a.accBeta2)),
    f(a.epsilon),
    f(-a.learningRate),
  ];
  withFloats(backend, scalars, (s) =>
    withInts(backend, table, (at) =>
      nativeKernel(backend, builds, 'adam')([at, count, s], 8 * total),
    ),
  );
  return outputs.flat();
}
