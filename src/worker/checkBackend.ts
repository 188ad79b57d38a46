/**
 * A round trip that proves the active backend computes: an n x n matrix product on the backend,
 * compared with a plain-JavaScript reference, timed after one warm-up (which compiles the shaders).
 */
import * as tf from '@tensorflow/tfjs';
import { isBackendName } from '../pipeline/backends.ts';
import type { BackendCheck } from './protocol.ts';

export async function checkBackend(size: number): Promise<BackendCheck> {
  if (!Number.isInteger(size) || size < 1 || size > 1024) {
    throw new RangeError(`The check's matrix size must be 1..1024, got ${size}`);
  }
  const backend = tf.getBackend();
  if (!isBackendName(backend)) throw new Error(`Unexpected active backend "${backend}"`);
  const a = Float32Array.from({ length: size * size }, (_, i) => (((i * 37) % 17) - 8) / 8);
  const b = Float32Array.from({ length: size * size }, (_, i) => (((i * 11) % 13) - 6) / 6);

  const run = async (): Promise<Float32Array> => {
    const product = tf.tidy(() =>
      tf.matMul(tf.tensor2d(a, [size, size]), tf.tensor2d(b, [size, size])),
    );
    const values = (await product.data()) as Float32Array;
    product.dispose();
    return values;
  };
  await run();
  const started = performance.now();
  const values = await run();
  const ms = performance.now() - started;

  let maxAbsError = 0;
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      let sum = 0;
      for (let k = 0; k < size; k++)
        sum += (a[r * size + k] as number) * (b[k * size + c] as number);
      maxAbsError = Math.max(maxAbsError, Math.abs(sum - (values[r * size + c] as number)));
    }
  }
  return { backend, op: `matMul ${size}x${size}`, maxAbsError, ms };
}
