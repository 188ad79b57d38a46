/**
 * Calls the wasm backend's own kernels from inside another kernel (src/kernels/compose.ts, bound
 * to the wasm backend). The results are backend data (`TensorInfo`), not engine tensors: whoever
 * makes one frees it with `free`, so a composed kernel leaves nothing behind but its output.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { callKernel, type Shape4 } from '../compose.ts';
import { nativeSimd } from './native/module.ts';

export type { Shape4 };

type Inputs = Record<string, tf.TensorInfo> | tf.TensorInfo[];

/** What tfjs hands a wasm kernel. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: BackendWasm;
  attrs: tf.NamedAttrMap;
}

/**
 * Wraps the backend's own kernel `own` to run `native` where the engine has SIMD and `native`
 * returns a result (it returns nothing for the cases it leaves to `own`), else `own`.
 */
export const nativeOrOwn =
  (native: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | undefined) =>
  (own: tf.KernelFunc): tf.KernelFunc =>
  (args) =>
    (nativeSimd() ? native(args as unknown as KernelArgs) : undefined) ?? own(args);

export function call(
  backend: BackendWasm,
  kernelName: string,
  inputs: Inputs,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  return callKernel('wasm', backend, kernelName, inputs, attrs);
}

export function free(backend: BackendWasm, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

export const reshape = (backend: BackendWasm, x: tf.TensorInfo, shape: number[]): tf.TensorInfo =>
  call(backend, 'Reshape', { x }, { shape });

export const transpose = (backend: BackendWasm, x: tf.TensorInfo, perm: number[]): tf.TensorInfo =>
  call(backend, 'Transpose', { x }, { perm });

/** Zero padding, `paddings[axis] = [before, after]`. */
export const pad = (
  backend: BackendWasm,
  x: tf.TensorInfo,
  paddings: [number, number][],
): tf.TensorInfo => call(backend, 'PadV2', { x }, { paddings, constantValue: 0 });

export const stridedSlice = (
  backend: BackendWasm,
  x: tf.TensorInfo,
  begin: number[],
  end: number[],
  strides: number[],
): tf.TensorInfo =>
  call(
    backend,
    'StridedSlice',
    { x },
    {
      begin,
      end,
      strides,
      beginMask: 0,
      endMask: 0,
      ellipsisMask: 0,
      newAxisMask: 0,
      shrinkAxisMask: 0,
    },
  );

/**
 * XNNPACK's convolution (the wasm Conv2D kernel), stride 1, with explicit padding. A negative
 * padding crops the input instead.
 */
export function convolve(
  backend: BackendWasm,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  [top, bottom, left, right]: [number, number, number, number],
): tf.TensorInfo {
  const [n, h, w, c] = x.shape as Shape4;
  const [cropTop, cropBottom, cropLeft, cropRight] = [top, bottom, left, right].map((p) =>
    Math.max(0, -p),
  ) as [number, number, number, number];
  const cropped =
    cropTop + cropBottom + cropLeft + cropRight > 0
      ? stridedSlice(
          backend,
          x,
          [0, cropTop, cropLeft, 0],
          [n, h - cropBottom, w - cropRight, c],
          [1, 1, 1, 1],
        )
      : x;
  const out = call(
    backend,
    'Conv2D',
    { x: cropped, filter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [Math.max(0, top), Math.max(0, bottom)],
        [Math.max(0, left), Math.max(0, right)],
        [0, 0],
      ],
      dilations: [1, 1],
      dataFormat: 'NHWC',
    },
  );
  if (cropped !== x) free(backend, cropped);
  return out;
}
