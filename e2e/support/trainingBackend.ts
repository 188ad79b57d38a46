/**
 * The backend the end-to-end tests that train run on: the fastest here, measured with
 * `npm run bench -- --quick` on this 2-core machine without a GPU (images/s, quick preset):
 *   SegNet 24 px:              wasm 145, WebGL 14.8, CPU 9.9, WebGPU 5.9
 *   DenseNet 32 px, fine-tune: wasm 88,  WebGPU 5.2
 * segmentation.spec.ts stays on WebGPU, so that one test still trains there.
 */
export const TRAINING_BACKEND = 'wasm';
