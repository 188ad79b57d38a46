/**
 * Conv2DBackpropFilter for WebGPU as one tiled implicit matrix product, in WGSL of our own.
 *
 * The filter gradient is dW[m, n] = Σ_k A[k, m] · dY[k, n] over k = (image, output row, output
 * column), with m = (ky, kx, input channel) and n = output channel, and A[k, m] the input pixel
 * that tap m sees at output position k (zero in the padding): a product of a [K, M] matrix that is
 * never written out (the "implicit" im2col) with the [K, N] output gradient. K is long (batch ·
 * outH · outW: 640,000 for the seed SegNet's first layer at batch 16) and M · N short, which is
 * the shape tfjs-backend-webgpu's kernel handles worst (one thread per weight, each looping over
 * all of K) and the one a GPU needs split: here each workgroup computes a 64 x 64 tile of dW over
 * one slice of K ("split-K"), staging 16-deep slabs of A and dY in workgroup memory, each thread
 * accumulating a 4 x 4 block in registers; a second pass sums the slices. With one slice the
 * first pass writes dW itself.
 *
 * Why our own: tfjs's kernel leaves the GPU idle on these shapes, and the composed alternative
 * (one BatchMatMul per tap, webgpu/filterGradient.ts before this file) copied every tap's window
 * and paid a dispatch per tap.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { backend_util } from '@tensorflow/tfjs';
import { callKernel, type Shape4 } from '../compose.ts';

/** Threads per workgroup along each of dW's two axes (16 x 16 = 256 threads). */
const THREADS = 16;
/** The depth of K staged per step in workgroup memory. */
export const DEPTH = 16;
/** A slice of K below this many rows is not worth its partial sums. */
const MIN_SLICE = 256;
/** Split K until the tiles and slices give about this many workgroups. */
const TARGET_WORKGROUPS = 512;

/**
 * How a product C = A · B of M x N over K is cut: threadsM x threadsN threads a workgroup (256 in
 * all), each computing `rows` x `cols` of C (1, 2 or 4 each, so that a workgroup covers
 * threadsM · rows by threadsN · cols and a narrow C wastes no threads), and K cut into `slices` of
 * `slice` positions. Shared with the training engine's products (src/engine/kernels/gemm.ts).
 */
export interface GemmPlan {
  threadsM: number;
  threadsN: number;
  rows: number;
  cols: number;
  slices: number;
  /** Rows of K per slice, a multiple of DEPTH. */
  slice: number;
}

const perThread = (size: number, threads: number) =>
  size > 2 * threads ? 4 : size > threads ? 2 : 1;

/**
 * The plan for C of M x N over K: with `split`, enough workgroups to fill a large GPU when the
 * tiles of C are few, never a slice shorter than MIN_SLICE rows, and one slice when K is short;
 * without, one slice. `threadsN` threads along N (16 here; the engine gives a narrow C 8).
 */
export function gemmPlan(
  m: number,
  n: number,
  k: number,
  { threadsN = THREADS, split = true }: { threadsN?: number; split?: boolean } = {},
): GemmPlan {
  const threadsM = (THREADS * THREADS) / threadsN;
  const rows = perThread(m, threadsM);
  const cols = perThread(n, threadsN);
  let slices = 1;
  if (split) {
    const tiles = Math.ceil(m / (threadsM * rows)) * Math.ceil(n / (threadsN * cols));
    const wanted = Math.ceil(TARGET_WORKGROUPS / tiles);
    slices = Math.max(1, Math.min(wanted, Math.floor(k / MIN_SLICE)));
  }
  const slice = Math.ceil(k / slices / DEPTH) * DEPTH;
  return { threadsM, threadsN, rows, cols, slices: Math.ceil(k / slice), slice };
}

/** The first pass: partial dW of each slice of K, [slices, M, N]. */
class FilterGradientTiles implements WebGPUProgram {
  variableNames = ['x', 'dy'];
  uniforms = 'filterDims : vec2<i32>, strides : vec2<i32>, pads : vec2<i32>, mnk : vec4<i32>,';
  workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  outputShape: number[];
  dispatchLayout = { x: [2], y: [1], z: [0] };
  dispatch: [number, number, number];
  shaderKey: string;

  constructor(
    m: number,
    n: number,
    private readonly plan: GemmPlan,
  ) {
    this.outputShape = [plan.slices, m, n];
    this.dispatch = [
      Math.ceil(n / (THREADS * plan.cols)),
      Math.ceil(m / (THREADS * plan.rows)),
      plan.slices,
    ];
    this.shaderKey = `lesionLabFilterGradient_${plan.rows}_${plan.cols}`;
  }

  getUserCode(): string {
    const { rows, cols } = this.plan;
    const tileM = THREADS * rows;
    const tileN = THREADS * cols;
    return /* wgsl */ `
      var<workgroup> tileA : array<array<f32, ${tileM}>, ${DEPTH}>;
      var<workgroup> tileB : array<array<f32, ${tileN}>, ${DEPTH}>;
      var<private> acc : array<array<f32, ${cols}>, ${rows}>;
      var<private> a : array<f32, ${rows}>;
      var<private> b : array<f32, ${cols}>;

      fn accumulate() {
        for (var i = 0; i < ${rows}; i = i + 1) {
          for (var j = 0; j < ${cols}; j = j + 1) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
        }
      }

      // A[k, m]: the input pixel that tap m = (ky, kx, c) sees at output position k; 0 in padding.
      fn loadA(k : i32, m : i32, kEnd : i32) -> f32 {
        if (k >= kEnd || m >= uniforms.mnk.x) { return 0.0; }
        let outW = uniforms.dyShape.z;
        let outHW = uniforms.dyShape.y * outW;
        let image = k / outHW;
        let r = k - image * outHW;
        let oy = r / outW;
        let ox = r - oy * outW;
        let inC = uniforms.xShape.w;
        let tap = m / inC;
        let c = m - tap * inC;
        let ky = tap / uniforms.filterDims.y;
        let kx = tap - ky * uniforms.filterDims.y;
        let iy = oy * uniforms.strides.x + ky - uniforms.pads.x;
        let ix = ox * uniforms.strides.y + kx - uniforms.pads.y;
        if (iy < 0 || iy >= uniforms.xShape.y || ix < 0 || ix >= uniforms.xShape.z) { return 0.0; }
        return x[((image * uniforms.xShape.y + iy) * uniforms.xShape.z + ix) * inC + c];
      }

      fn loadB(k : i32, n : i32, kEnd : i32) -> f32 {
        if (k >= kEnd || n >= uniforms.mnk.y) { return 0.0; }
        return dy[k * uniforms.mnk.y + n];
      }

      ${'fn main()'} {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let flat = i32(localIndex);
        let n0 = i32(workgroupId.x) * ${tileN};
        let m0 = i32(workgroupId.y) * ${tileM};
        let slice = i32(workgroupId.z);
        let kStart = slice * uniforms.mnk.w;
        let kEnd = min(uniforms.mnk.z, kStart + uniforms.mnk.w);
        // Per step of DEPTH positions, the 256 threads fill the tiles together (neighbouring
        // threads read neighbouring channels, next to each other in memory). As many steps in
        // every workgroup (a uniform count, as the barriers need); the last slice's steps past K
        // load zeros.
        for (var step = 0; step < uniforms.mnk.w / ${DEPTH}; step = step + 1) {
          let k0 = kStart + step * ${DEPTH};
          for (var i = 0; i < ${rows}; i = i + 1) {
            let e = flat + i * ${THREADS * THREADS};
            let kk = e / ${tileM};
            let col = e - kk * ${tileM};
            tileA[kk][col] = loadA(k0 + kk, m0 + col, kEnd);
          }
          for (var j = 0; j < ${cols}; j = j + 1) {
            let e = flat + j * ${THREADS * THREADS};
            let kk = e / ${tileN};
            let col = e - kk * ${tileN};
            tileB[kk][col] = loadB(k0 + kk, n0 + col, kEnd);
          }
          workgroupBarrier();
          for (var kk = 0; kk < ${DEPTH}; kk = kk + 1) {
            for (var i = 0; i < ${rows}; i = i + 1) { a[i] = tileA[kk][ty + i * ${THREADS}]; }
            for (var j = 0; j < ${cols}; j = j + 1) { b[j] = tileB[kk][tx + j * ${THREADS}]; }
            accumulate();
          }
          workgroupBarrier();
        }
        let m = uniforms.mnk.x;
        let n = uniforms.mnk.y;
        for (var i = 0; i < ${rows}; i = i + 1) {
          let row = m0 + ty + i * ${THREADS};
          if (row >= m) { continue; }
          for (var j = 0; j < ${cols}; j = j + 1) {
            let col = n0 + tx + j * ${THREADS};
            if (col < n) { result[(slice * m + row) * n + col] = acc[i][j]; }
          }
        }
      }
    `;
  }
}

/** The second pass: dW as the sum of the slices' partial products, in slice order. */
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

/** A software adapter: WebGPU emulated on the CPU (SwiftShader). */
export const isSoftwareAdapter = (backend: unknown) =>
  (backend as { adapterInfo?: { architecture?: string } }).adapterInfo?.architecture ===
  'swiftshader';

/**
 * WebGPU's Conv2DBackpropFilter: the tiled product on a GPU; on a software adapter the backend's
 * own kernel, whose loops without barriers suit a CPU's few cores better (bench/kernels.ts: the
 * tiled product takes 0.9 to 2.8 times its time on SwiftShader).
 */
export function filterGradientOnGpu(own: tf.KernelFunc): tf.KernelFunc {
  return (args) => (isSoftwareAdapter(args.backend) ? own(args) : filterGradientGemm(args));
}

/** Conv2DBackpropFilter on the WebGPU backend as the tiled product (NHWC, float32). */
export function filterGradientGemm({
  inputs,
  backend,
  attrs,
}: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const webgpu = backend as unknown as WebGPUBackend;
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: NCHW is not supported');
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const m = info.filterHeight * info.filterWidth * info.inChannels;
  const n = info.outChannels;
  const k = info.batchSize * info.outHeight * info.outWidth;
  const plan = gemmPlan(m, n, k);
  const { slices, slice } = plan;
  const tiles = webgpu.runWebGPUProgram(new FilterGradientTiles(m, n, plan), [x, dy], 'float32', [
    { type: 'int32', data: [info.filterHeight, info.filterWidth] },
    { type: 'int32', data: [info.strideHeight, info.strideWidth] },
    { type: 'int32', data: [info.padInfo.top, info.padInfo.left] },
    { type: 'int32', data: [m, n, k, slice] },
  ]);
  try {
    if (slices === 1) {
      // [1, M, N] is dW already: the same buffer under the filter's shape.
      return callKernel(
        'webgpu',
        backend as tf.KernelBackend,
        'Reshape',
        { x: tiles },
        { shape: [...filterShape] },
      );
    }
    return webgpu.runWebGPUProgram(new SumSlices([...filterShape], m * n), [tiles], 'float32', [
      { type: 'int32', data: [slices] },
    ]);
  } finally {
    webgpu.disposeData(tiles.dataId);
  }
}
