/**
 * Where the browser finds tfjs-backend-wasm's binaries: Vite copies them into the build and gives
 * their URLs. Imported by the worker's entry only (Node, in the unit tests, reads them from disk).
 * tfjs picks the threaded SIMD build when the page is cross-origin isolated (see vite.config.ts),
 * else SIMD, else the plain one. Its XNNPACK thread pool is capped inside the binary at half the
 * logical cores (it assumes two hyper-threads per core), up to 8: 1 thread on a 2-core machine.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

setWasmPaths({
  'tfjs-backend-wasm.wasm': plain,
  'tfjs-backend-wasm-simd.wasm': simd,
  'tfjs-backend-wasm-threaded-simd.wasm': threadedSimd,
});
