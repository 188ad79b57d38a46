/**
 * Calls a backend's own kernels from inside another kernel (src/kernels/wasm/compose.ts for
 * WebAssembly, src/kernels/webgl/filterGradient.ts). The results are backend data (`TensorInfo`),
 * not engine tensors: whoever makes one frees it with the backend's `disposeData`, so a composed
 * kernel leaves nothing behind but its output.
 */
import * as tf from '@tensorflow/tfjs';

export type Shape4 = [number, number, number, number];

/** Runs the named kernel of `backendName` on `backend`; it must give one output. */
export function callKernel(
  backendName: string,
  backend: tf.KernelBackend,
  kernelName: string,
  inputs: tf.NamedTensorInfoMap | tf.TensorInfo[],
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, backendName);
  if (!kernel) throw new Error(`The ${backendName} backend has no ${kernelName} kernel`);
  const result = kernel.kernelFunc({ inputs: inputs as tf.NamedTensorInfoMap, backend, attrs });
  if (Array.isArray(result)) throw new Error(`${kernelName} returned several outputs`);
  return result;
}
