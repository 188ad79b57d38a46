/**
 * Identity for the wasm backend that shares the input's memory, as the cpu, webgl and webgpu
 * backends' do. tfjs-backend-wasm 4.22's copies it, and the engine clones (Identity) every tensor a
 * gradient saves: on wasm each training step copied every saved activation once, doubling the
 * activations' memory (DenseNet-121 at 224 px: about 0.6 GB more per image) and spending ~90 ms a
 * step on the copies. tfjs tensors are immutable (a variable's assign swaps its data), so sharing
 * is safe; the backend counts references as it does for Reshape.
 */
import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

export function identity({ inputs, backend }: { inputs: tf.IdentityInputs; backend: BackendWasm }) {
  const x = inputs.x as tf.TensorInfo;
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
