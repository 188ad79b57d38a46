/**
 * WebGPU's convolutions in tfjs (Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter)
 * as the training engine's implicit matrix products (src/engine/kernels/gemm.ts), so that the
 * tfjs path (inference in Masking, Evaluation and Diagnose; training where the engine does not run)
 * has the same kernels as the engine: tiled in workgroup memory on a GPU, and on a software adapter
 * (SwiftShader) direct loops laid out for a CPU, tap by tap or in runs along an output row.
 *
 * Why our own: tfjs-backend-webgpu's filter gradient gives each filter weight one thread that loops
 * over the whole batch and feature map, its input gradient defaults to a naive kernel, and on a
 * software adapter its forward convolution took 6.7x the engine's product's time over the quick
 * SegNet (bench/engine.ts, `--engine-profile`).
 *
 * Covered: NHWC float32, dilation 1, equal strides, the padding's top equal to its left (every
 * 'same' and 'valid' convolution of the app's models), a fused bias of one value per output
 * channel with a linear, ReLU or sigmoid activation, and the input gradient at stride 1. Anything
 * else runs the backend's own kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { backend_util, util } from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import {
  GEMM_UNIFORMS,
  gemmParts,
  gemmSizes,
  gemmUniforms,
  gemmWorkgroups,
  planGemm,
  styleOn,
  type ConvGeometry,
  type Epilogue,
  type GemmKind,
  type GemmStyle,
} from '../../engine/kernels/gemm.ts';
import type { Shape4 } from '../compose.ts';
import { isSoftwareAdapter, type GemmPlan, type TileChoice } from './gemmPlan.ts';

/** One product as a tfjs program: its operands are the inputs `srcA`, `srcB` (and `bias`). */
class ConvProduct implements WebGPUProgram {
  variableNames: string[];
  uniforms = GEMM_UNIFORMS.names.map((name) => `${name} : i32,`).join(' ');
  workgroupSize: [number, number, number];
  outputShape: number[];
  // Not flat (y is given), so that tfjs calls main() without an index: the product finds its
  // place from the workgroup and local ids.
  dispatchLayout = { x: [0], y: [1] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    private readonly kind: GemmKind,
    private readonly plan: GemmPlan,
    private readonly epilogue: Epilogue,
    private readonly style: GemmStyle,
    outputShape: number[],
    sizes: { m: number; n: number },
  ) {
    this.variableNames = epilogue.startsWith('bias') ? ['srcA', 'srcB', 'bias'] : ['srcA', 'srcB'];
    this.workgroupSize = [plan.threadsN, plan.threadsM, 1];
    this.outputShape = outputShape;
    this.dispatch = gemmWorkgroups(plan, sizes.m, sizes.n);
    const { threadsM, threadsN, rows, cols } = plan;
    this.shaderKey = `lesionLabConv_${kind}_${epilogue}_${style}_${threadsM}_${threadsN}_${rows}_${cols}`;
  }

  getUserCode(): string {
    const { declarations, body } = gemmParts(
      this.kind,
      this.plan,
      this.epilogue,
      this.style,
      'result',
    );
    // The products read their uniforms as `u`; tfjs declares them as `uniforms`.
    return `
${this.epilogue.startsWith('bias') ? 'fn biasAt(n: i32) -> f32 { return bias[n]; }' : ''}
${declarations}
${'fn main()'} {
  let lid = localId;
  let lane = localIndex;
  let wid = workgroupId;${body}
}`.replace(/\bu\./g, 'uniforms.');
  }
}

/** The slices of a split filter gradient summed in slice order: dW = Σ_s partial[s]. */
class SumSlices implements WebGPUProgram {
  variableNames = ['partial'];
  uniforms = 'slices : i32,';
  workgroupSize: [number, number, number] = [64, 1, 1];
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  size = true;
  shaderKey = 'lesionLabSumSlices';

  constructor(outputShape: number[], elements: number) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(elements / 64), 1, 1];
  }

  getUserCode(): string {
    return /* wgsl */ `
      ${'fn main(index : i32)'} {
        if (index < uniforms.size) {
          var sum = 0.0;
          for (var s = 0; s < uniforms.slices; s = s + 1) {
            sum = sum + partial[s * uniforms.size + index];
          }
          result[index] = sum;
        }
      }
    `;
  }
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * The product's geometry for a convolution of x's shape by the filter's, or null where it is not
 * covered (see the file's comment).
 */
function geometryOf(
  xShape: Shape4,
  filterShape: Shape4,
  attrs: tf.NamedAttrMap,
  inputs: tf.TensorInfo[],
): ConvGeometry | null {
  const format = (attrs.dataFormat as string | undefined) ?? 'NHWC';
  if (format !== 'NHWC' && format !== 'channelsLast') return null;
  if (inputs.some((t) => t.dtype !== 'float32')) return null;
  const info = backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides as number | [number, number],
    (attrs.dilations as number | [number, number] | undefined) ?? 1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if (info.strideHeight !== info.strideWidth || info.padInfo.top !== info.padInfo.left) return null;
  return {
    batch: info.batchSize,
    inH: info.inHeight,
    inW: info.inWidth,
    inC: info.inChannels,
    outH: info.outHeight,
    outW: info.outWidth,
    outC: info.outChannels,
    kh: info.filterHeight,
    kw: info.filterWidth,
    stride: info.strideHeight,
    pad: info.padInfo.top,
    outStride: info.outChannels,
    outChannel: 0,
  };
}

/**
 * Which products a wrapper runs: `style` forces tiled or direct products on any adapter (the
 * checks run a GPU's on SwiftShader); by default, the adapter's (styleOn). `tile` replaces a tiled
 * product's plan (the kernel benchmark's candidates).
 */
export interface ConvOptions {
  style?: GemmStyle;
  tile?: Partial<TileChoice>;
}

/**
 * Runs one product of `kind` on the backend, into a tensor of the shape `outputShape` gives for
 * its plan (a split filter gradient writes one partial product per slice); returns it with the
 * plan.
 */
function runProduct(
  backend: WebGPUBackend,
  product: { kind: GemmKind; g: ConvGeometry; epilogue: Epilogue; options: ConvOptions },
  inputs: tf.TensorInfo[],
  outputShape: (plan: GemmPlan) => number[],
): { output: tf.TensorInfo; plan: GemmPlan } {
  const { kind, g, epilogue, options } = product;
  const style = options.style ?? styleOn(isSoftwareAdapter(backend));
  const sizes = gemmSizes(kind, g, false); // no bias row: tfjs asks for the bias's gradient apart
  const plan = planGemm(kind, sizes.m, sizes.n, sizes.r, style, options.tile);
  const uniforms = gemmUniforms(g, sizes, plan, {});
  const program = new ConvProduct(kind, plan, epilogue, style, outputShape(plan), sizes);
  const output = backend.runWebGPUProgram(
    program,
    inputs,
    'float32',
    GEMM_UNIFORMS.names.map((name) => ({ type: 'int32', data: [uniforms[name]] })),
  );
  return { output, plan };
}

const FUSED: Record<string, [Epilogue, Epilogue] | undefined> = {
  // [without a bias, with one]
  linear: ['plain', 'bias'],
  relu: ['relu', 'biasRelu'],
  sigmoid: ['sigmoid', 'biasSigmoid'],
};

/** Conv2D and FusedConv2D on WebGPU as the forward product, else the backend's `own` kernel. */
export function forwardOnWebgpu(own: tf.KernelFunc, options: ConvOptions = {}): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const fused = FUSED[(args.attrs?.activation as string | undefined) ?? 'linear'];
    if (!x || !filter || preluActivationWeights || !fused) return own(args);
    const outC = filter.shape[3];
    if (bias && util.sizeFromShape(bias.shape) !== outC) return own(args);
    const operands = bias ? [x, filter, bias] : [x, filter];
    const g = geometryOf(x.shape as Shape4, filter.shape as Shape4, args.attrs ?? {}, operands);
    if (!g) return own(args);
    return runProduct(
      args.backend as unknown as WebGPUBackend,
      { kind: 'forward', g, epilogue: fused[bias ? 1 : 0], options },
      operands,
      () => [g.batch, g.outH, g.outW, g.outC],
    ).output;
  };
}

/** Conv2DBackpropInput on WebGPU as the input-gradient product (stride 1), else `own`. */
export function inputGradientOnWebgpu(
  own: tf.KernelFunc,
  options: ConvOptions = {},
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { dy, filter } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const inputShape = args.attrs?.inputShape as Shape4 | undefined;
    if (!dy || !filter || !inputShape) return own(args);
    const g = geometryOf(inputShape, filter.shape as Shape4, args.attrs ?? {}, [dy, filter]);
    if (!g || g.stride !== 1) return own(args);
    return runProduct(
      args.backend as unknown as WebGPUBackend,
      { kind: 'inputGradient', g, epilogue: 'store', options },
      [dy, filter],
      () => [...inputShape],
    ).output;
  };
}

/** Conv2DBackpropFilter on WebGPU as the filter-gradient product, split and summed, else `own`. */
export function filterGradientOnWebgpu(
  own: tf.KernelFunc,
  options: ConvOptions = {},
): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, dy } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const filterShape = args.attrs?.filterShape as Shape4 | undefined;
    if (!x || !dy || !filterShape) return own(args);
    const g = geometryOf(x.shape as Shape4, filterShape, args.attrs ?? {}, [x, dy]);
    if (!g) return own(args);
    const backend = args.backend as unknown as WebGPUBackend;
    const count = util.sizeFromShape(filterShape);
    // One slice writes dW itself; more write their partial products, summed in a second pass.
    const { output, plan } = runProduct(
      backend,
      { kind: 'filterGradient', g, epilogue: 'store', options },
      [x, dy],
      ({ slices }) => (slices === 1 ? [...filterShape] : [slices, count]),
    );
    const { slices } = plan;
    if (slices === 1) return output;
    try {
      return backend.runWebGPUProgram(new SumSlices([...filterShape], count), [output], 'float32', [
        { type: 'int32', data: [slices] },
      ]);
    } finally {
      backend.disposeData(output.dataId);
    }
  };
}

/** The wrappers above by the tfjs kernel each replaces on the WebGPU backend (src/kernels/register.ts). */
export const WEBGPU_CONVOLUTIONS: {
  kernelName: string;
  wrap: (own: tf.KernelFunc) => tf.KernelFunc;
}[] = [
  { kernelName: 'Conv2D', wrap: forwardOnWebgpu },
  { kernelName: 'FusedConv2D', wrap: forwardOnWebgpu },
  { kernelName: 'Conv2DBackpropInput', wrap: inputGradientOnWebgpu },
  { kernelName: 'Conv2DBackpropFilter', wrap: filterGradientOnWebgpu },
];
