/**
 * The GPU kernels' page (served by Vite's dev server): `window.checkKernels(cases, backend)` runs
 * the app's own filter gradient for WebGPU (src/kernels/webgpu/filterGradientGemm.ts) or WebGL
 * (src/kernels/webgl/filterGradient.ts) on the page's adapter and measures it against the float64
 * reference (src/kernels/convReference.ts), for e2e/gpuKernels.spec.ts; `window.timeKernels(cases,
 * backend, repeats)` times it against tfjs's own kernel of that backend on the same inputs, for
 * bench/kernels.ts. Runs on the page's main thread, where WebGPU and WebGL are; nothing is
 * registered into tfjs, so tfjs's kernels are its own.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import {
  convInfo,
  filterGradientFlops,
  filterGradientReference,
  type ConvCase,
} from '../../src/kernels/convReference.ts';
import { randomValues, relativeError } from '../../src/kernels/testValues.ts';
import { filterGradientByTaps } from '../../src/kernels/webgl/filterGradient.ts';
import { filterGradientGemm } from '../../src/kernels/webgpu/filterGradientGemm.ts';
import type { GpuBackend, KernelCheck, KernelTiming } from './protocol.ts';

declare global {
  interface Window {
    checkKernels: (cases: ConvCase[], backend: GpuBackend) => Promise<KernelCheck[]>;
    timeKernels: (
      cases: ConvCase[],
      backend: GpuBackend,
      repeats: number,
    ) => Promise<KernelTiming[]>;
  }
}

type Kernel = (args: Parameters<tf.KernelFunc>[0]) => ReturnType<tf.KernelFunc>;

const OWN: Record<GpuBackend, Kernel> = {
  webgpu: filterGradientGemm,
  webgl: filterGradientByTaps('webgl'),
};

async function use(backend: GpuBackend): Promise<tf.KernelBackend> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend)))
    throw new Error(`This browser gives the page no ${backend} backend`);
  await tf.ready();
  return tf.backend();
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function inputs(c: ConvCase) {
  const info = convInfo(c);
  const dyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  const x = randomValues(1, size(c.xShape));
  const dy = randomValues(2, size(dyShape));
  const attrs = {
    strides: c.stride,
    pad: c.pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape: c.filterShape,
  } as unknown as tf.NamedAttrMap;
  return { x, dy, dyShape, attrs };
}

function tfjsKernel(backend: GpuBackend): Kernel {
  const kernel = tf.getKernel(tf.Conv2DBackpropFilter, backend);
  if (!kernel) throw new Error(`tfjs's ${backend} backend has no Conv2DBackpropFilter`);
  return kernel.kernelFunc;
}

async function run(kernel: Kernel, x: tf.Tensor, dy: tf.Tensor, attrs: tf.NamedAttrMap) {
  const info = kernel({ inputs: { x, dy }, backend: tf.backend(), attrs }) as tf.TensorInfo;
  const out = tf.engine().makeTensorFromTensorInfo(info);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

window.checkKernels = async (cases, name) => {
  const backend = await use(name);
  const checks: KernelCheck[] = [];
  for (const c of cases) {
    const { x, dy, dyShape, attrs } = inputs(c);
    const xt = tf.tensor4d(x, c.xShape);
    const dyt = tf.tensor(dy, dyShape);
    const before = backend.numDataIds();
    const own = await run(OWN[name], xt, dyt, attrs);
    const reference = filterGradientReference(c, x, dy);
    checks.push({
      op: 'conv2dBackpropFilter',
      backend: name,
      case: c,
      error: relativeError(own, reference),
      tfjsError: relativeError(await run(tfjsKernel(name), xt, dyt, attrs), reference),
      left: backend.numDataIds() - before,
    });
    tf.dispose([xt, dyt]);
  }
  return checks;
};

/** Milliseconds per call: `repeats` calls queued back to back, then one read to drain the queue. */
async function timed(
  kernel: Kernel,
  x: tf.Tensor,
  dy: tf.Tensor,
  attrs: tf.NamedAttrMap,
  repeats: number,
) {
  await run(kernel, x, dy, attrs); // compiles the shaders
  const start = performance.now();
  let last: tf.TensorInfo | undefined;
  for (let i = 0; i < repeats; i++) {
    if (last) tf.backend().disposeData(last.dataId);
    last = kernel({ inputs: { x, dy }, backend: tf.backend(), attrs }) as tf.TensorInfo;
  }
  if (last) {
    const out = tf.engine().makeTensorFromTensorInfo(last);
    await out.data();
    out.dispose();
  }
  return (performance.now() - start) / repeats;
}

window.timeKernels = async (cases, name, repeats) => {
  await use(name);
  const timings: KernelTiming[] = [];
  for (const c of cases) {
    const { x, dy, dyShape, attrs } = inputs(c);
    const xt = tf.tensor4d(x, c.xShape);
    const dyt = tf.tensor(dy, dyShape);
    const flops = filterGradientFlops(c);
    for (const [impl, kernel] of [
      ['tfjs', tfjsKernel(name)],
      ['own', OWN[name]],
    ] as const) {
      const ms = await timed(kernel, xt, dyt, attrs, repeats);
      timings.push({
        op: 'conv2dBackpropFilter',
        backend: name,
        case: c,
        impl,
        ms,
        gflops: flops / ms / 1e6,
      });
    }
    tf.dispose([xt, dyt]);
  }
  return timings;
};
