/**
 * The GPU kernels' page (served by Vite's dev server): `window.checkKernels(cases, backend)` runs
 * the app's own convolution kernels on the page's adapter, WebGPU's three (forward, input
 * gradient, filter gradient: src/kernels/webgpu/convolutions.ts) or WebGL's filter gradient
 * (src/kernels/webgl/filterGradient.ts), and measures each against the float64 reference
 * (src/kernels/convReference.ts), for e2e/gpuKernels.spec.ts (`options.style` runs WebGPU's
 * tiled or direct products on any adapter); `window.timeKernels(cases, backend,
 * repeats)` times them against tfjs's own kernels of that backend on the same inputs, for
 * bench/kernels.ts (by the GPU's timestamps where the adapter has them). Runs on the page's main thread, where WebGPU and WebGL are; nothing is
 * registered into tfjs, so tfjs's kernels are its own.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import {
  convFlops,
  convInfo,
  filterGradientReference,
  forwardReference,
  inputGradientReference,
  type ConvCase,
} from '../../src/kernels/convReference.ts';
import { randomValues, relativeError } from '../../src/kernels/testValues.ts';
import { filterGradientByTaps } from '../../src/kernels/webgl/filterGradient.ts';
import {
  filterGradientOnWebgpu,
  forwardOnWebgpu,
  inputGradientOnWebgpu,
  type ConvOptions,
} from '../../src/kernels/webgpu/convolutions.ts';
import type { TileChoice } from '../../src/kernels/webgpu/gemmPlan.ts';
import type { GpuBackend, KernelCheck, KernelOp, KernelTiming } from './protocol.ts';

declare global {
  interface Window {
    checkKernels: (
      cases: ConvCase[],
      backend: GpuBackend,
      options?: ConvOptions,
    ) => Promise<KernelCheck[]>;
    timeKernels: (
      cases: ConvCase[],
      backend: GpuBackend,
      repeats: number,
      tiles?: Record<string, Partial<TileChoice>>,
    ) => Promise<KernelTiming[]>;
  }
}

type Kernel = (args: Parameters<tf.KernelFunc>[0]) => ReturnType<tf.KernelFunc>;

/** A case's operands: the input, the filter and the output gradient. */
interface Values {
  x: Float32Array;
  w: Float32Array;
  dy: Float32Array;
  dyShape: number[];
}

interface OpSpec {
  /** tfjs's kernel. */
  kernelName: string;
  /** The app's own kernel of each backend, given tfjs's (for what it leaves to it). */
  own: Partial<Record<GpuBackend, (tfjs: Kernel, options: ConvOptions) => Kernel>>;
  /** Whether the app's models need it on this shape (an input gradient only past the first layer, at stride 1). */
  applies: (c: ConvCase) => boolean;
  inputs: (c: ConvCase, v: Values) => Record<string, tf.Tensor>;
  attrs: (c: ConvCase) => tf.NamedAttrMap;
  reference: (c: ConvCase, v: Values) => Float64Array;
}

const conv = (c: ConvCase) => ({ strides: c.stride, pad: c.pad, dataFormat: 'NHWC' });

const OPS: Record<KernelOp, OpSpec> = {
  conv2d: {
    kernelName: tf.Conv2D,
    own: { webgpu: forwardOnWebgpu },
    applies: () => true,
    inputs: (c, v) => ({ x: tf.tensor4d(v.x, c.xShape), filter: tf.tensor4d(v.w, c.filterShape) }),
    attrs: (c) => ({ ...conv(c), dilations: 1 }),
    reference: (c, v) => forwardReference(c, v.x, v.w),
  },
  conv2dBackpropInput: {
    kernelName: tf.Conv2DBackpropInput,
    own: { webgpu: inputGradientOnWebgpu },
    applies: (c) => c.stride === 1,
    inputs: (c, v) => ({ dy: tf.tensor(v.dy, v.dyShape), filter: tf.tensor4d(v.w, c.filterShape) }),
    attrs: (c) => ({ ...conv(c), inputShape: c.xShape }),
    reference: (c, v) => inputGradientReference(c, v.dy, v.w),
  },
  conv2dBackpropFilter: {
    kernelName: tf.Conv2DBackpropFilter,
    own: { webgpu: filterGradientOnWebgpu, webgl: () => filterGradientByTaps('webgl') },
    applies: () => true,
    inputs: (c, v) => ({ x: tf.tensor4d(v.x, c.xShape), dy: tf.tensor(v.dy, v.dyShape) }),
    attrs: (c) => ({ ...conv(c), filterShape: c.filterShape }),
    reference: (c, v) => filterGradientReference(c, v.x, v.dy),
  },
};

async function use(backend: GpuBackend): Promise<tf.KernelBackend> {
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend)))
    throw new Error(`This browser gives the page no ${backend} backend`);
  await tf.ready();
  return tf.backend();
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function valuesOf(c: ConvCase): Values {
  const info = convInfo(c);
  const dyShape = [info.batchSize, info.outHeight, info.outWidth, info.outChannels];
  return {
    x: randomValues(1, size(c.xShape)),
    w: randomValues(3, size(c.filterShape)),
    dy: randomValues(2, size(dyShape)),
    dyShape,
  };
}

function tfjsKernel(backend: GpuBackend, kernelName: string): Kernel {
  const kernel = tf.getKernel(kernelName, backend);
  if (!kernel) throw new Error(`tfjs's ${backend} backend has no ${kernelName}`);
  return kernel.kernelFunc;
}

/** The ops with an own kernel on `backend` that apply to `c`, with tfjs's and the own kernel. */
function opsFor(backend: GpuBackend, c: ConvCase, options: ConvOptions = {}) {
  return (Object.keys(OPS) as KernelOp[]).flatMap((op) => {
    const spec = OPS[op];
    const own = spec.own[backend];
    if (!own || !spec.applies(c)) return [];
    const tfjs = tfjsKernel(backend, spec.kernelName);
    return [{ op, spec, tfjs, own: own(tfjs, options) }];
  });
}

function call(kernel: Kernel, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap) {
  return kernel({ inputs, backend: tf.backend(), attrs }) as tf.TensorInfo;
}

async function run(kernel: Kernel, inputs: Record<string, tf.Tensor>, attrs: tf.NamedAttrMap) {
  const out = tf.engine().makeTensorFromTensorInfo(call(kernel, inputs, attrs));
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

window.checkKernels = async (cases, name, options = {}) => {
  const backend = await use(name);
  const checks: KernelCheck[] = [];
  for (const c of cases) {
    const values = valuesOf(c);
    for (const { op, spec, tfjs, own } of opsFor(name, c, options)) {
      const inputs = spec.inputs(c, values);
      const attrs = spec.attrs(c);
      const before = backend.numDataIds();
      const result = await run(own, inputs, attrs);
      const left = backend.numDataIds() - before;
      const reference = spec.reference(c, values);
      checks.push({
        op,
        backend: name,
        case: c,
        error: relativeError(result, reference),
        tfjsError: relativeError(await run(tfjs, inputs, attrs), reference),
        left,
      });
      tf.dispose(Object.values(inputs));
    }
  }
  return checks;
};

/**
 * Milliseconds per call. `gpuMs`: the GPU's own time of each call's programs, from timestamp
 * queries (tf.time), where the WebGPU adapter has them, comparable with cuDNN's CUDA-event times.
 * `wallMs`: `repeats` calls queued back to back, then one element of the last output read to
 * drain the queue (reading the whole output would time its copy to the page: 25 MB for a
 * DenseNet-121 forward at batch 16).
 */
async function timed(
  kernel: Kernel,
  inputs: Record<string, tf.Tensor>,
  attrs: tf.NamedAttrMap,
  repeats: number,
): Promise<{ gpuMs?: number; wallMs: number }> {
  await run(kernel, inputs, attrs); // compiles the shaders
  let gpuMs: number | undefined;
  if ((tf.backend() as { supportTimestampQuery?: boolean }).supportTimestampQuery) {
    const info = await tf.time(() => {
      for (let i = 0; i < repeats; i++)
        tf.backend().disposeData(call(kernel, inputs, attrs).dataId);
    });
    if (typeof info.kernelMs === 'number' && info.kernelMs > 0) gpuMs = info.kernelMs / repeats;
  }
  const start = performance.now();
  let last: tf.TensorInfo | undefined;
  for (let i = 0; i < repeats; i++) {
    if (last) tf.backend().disposeData(last.dataId);
    last = call(kernel, inputs, attrs);
  }
  if (last) {
    const out = tf.engine().makeTensorFromTensorInfo(last);
    const corner = tf.slice(
      out,
      out.shape.map(() => 0),
      out.shape.map(() => 1),
    );
    await corner.data();
    tf.dispose([out, corner]);
  }
  return { gpuMs, wallMs: (performance.now() - start) / repeats };
}

window.timeKernels = async (cases, name, repeats, tiles = {}) => {
  await use(name);
  const timings: KernelTiming[] = [];
  for (const c of cases) {
    const values = valuesOf(c);
    const flops = convFlops(c);
    for (const { op, spec, tfjs, own } of opsFor(name, c)) {
      const inputs = spec.inputs(c, values);
      const attrs = spec.attrs(c);
      const kernels: [KernelTiming['impl'], Kernel, string?][] = [
        ['tfjs', tfjs],
        ['own', own],
      ];
      // The tile candidates of WebGPU's tiled products; a split target only where K is split.
      const makeOwn = spec.own[name];
      if (name === 'webgpu' && makeOwn) {
        for (const [label, tile] of Object.entries(tiles)) {
          if (tile.workgroups === undefined || op === 'conv2dBackpropFilter')
            kernels.push(['own', makeOwn(tfjs, { style: 'tiled', tile }), label]);
        }
      }
      for (const [impl, kernel, tile] of kernels) {
        const { gpuMs, wallMs } = await timed(kernel, inputs, attrs, repeats);
        const ms = gpuMs ?? wallMs;
        const timing: KernelTiming = {
          op,
          backend: name,
          case: c,
          impl,
          ms,
          clock: gpuMs === undefined ? 'wall' : 'gpu',
          wallMs,
          gflops: flops / ms / 1e6,
        };
        timings.push(tile ? { ...timing, tile } : timing);
      }
      tf.dispose(Object.values(inputs));
    }
  }
  return timings;
};
