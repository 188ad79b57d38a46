/**
 * The engine's convolutions, all three as one tiled implicit matrix product C[m, n] = Σ_r A(m, r)
 * · B(r, n) whose operands are gathered from NHWC tensors as they are read (never written out as
 * im2col):
 *
 * - forward:         m = output position (b, y, x), r = (ky, kx, input channel), n = output
 *                    channel; A is the input under the taps, B the kernel. The bias (and a sigmoid)
 *                    are added as C is written.
 * - input gradient:  m = input position, r = (ky, kx, output channel), n = input channel; A is the
 *                    output gradient under the mirrored taps, B the kernel transposed (stride 1).
 * - filter gradient: m = (ky, kx, input channel) plus one row of ones for the bias, r = output
 *                    position, n = output channel; so the bias gradient is C's last row and comes
 *                    with the kernel's in the same pass. r is long (batch · height · width), so it
 *                    is cut into slices whose partial products a second pass sums (split-K).
 *
 * Each workgroup of 16 x 16 threads computes a tile of (16 · rows) x (16 · cols) of C, staging
 * 16-deep slabs of A and B in workgroup memory; each thread keeps rows x cols sums in registers.
 * The plan (tile and slices) is gemmPlan's, shared with the app's filter-gradient kernel.
 */
import { DEPTH, gemmPlan, type GemmPlan } from '../../kernels/webgpu/filterGradientGemm.ts';
import { gridStride, LANES, UniformLayout } from './uniforms.ts';

export type GemmKind = 'forward' | 'inputGradient' | 'filterGradient';

export const GEMM_UNIFORMS = new UniformLayout({
  m: 'i32',
  n: 'i32',
  r: 'i32',
  slice: 'i32',
  inH: 'i32',
  inW: 'i32',
  inC: 'i32',
  outH: 'i32',
  outW: 'i32',
  outC: 'i32',
  kh: 'i32',
  kw: 'i32',
  stride: 'i32',
  pad: 'i32',
  /** Where the kernel starts in the parameter buffer (forward, input gradient). */
  kernelOffset: 'i32',
  /** Where the bias starts in the parameter buffer (forward). */
  biasOffset: 'i32',
  /** Where C is written in the destination (filter gradient, one slice). */
  outOffset: 'i32',
  /** The filter gradient's row of ones (the bias), or -1. */
  biasRow: 'i32',
  /**
   * The output's place in its buffer: positions `outStride` floats apart, channels from
   * `outChannel` (a DenseNet layer's new channels in its block's buffer); outC and 0 when it has
   * a buffer of its own. The output gradient is read in the same place.
   */
  outStride: 'i32',
  outChannel: 'i32',
});

export type GemmUniforms = Parameters<typeof GEMM_UNIFORMS.pack>[0];

export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  outC: number;
  kh: number;
  kw: number;
  stride: number;
  pad: number;
  /** Floats between output positions (outC unless the output is a view of a wider buffer). */
  outStride: number;
  /** The output's first channel in that buffer. */
  outChannel: number;
}

const THREADS = 16;

/** What each kind multiplies: the sizes of C and of the reduction. */
export function gemmSizes(kind: GemmKind, g: ConvGeometry, bias: boolean) {
  const taps = g.kh * g.kw;
  if (kind === 'forward') return { m: g.batch * g.outH * g.outW, n: g.outC, r: taps * g.inC };
  if (kind === 'inputGradient') return { m: g.batch * g.inH * g.inW, n: g.inC, r: taps * g.outC };
  return { m: taps * g.inC + (bias ? 1 : 0), n: g.outC, r: g.batch * g.outH * g.outW };
}

/** The tile and slices of a product; only the filter gradient is sliced. */
export function planGemm(kind: GemmKind, m: number, n: number, r: number): GemmPlan {
  const plan = gemmPlan(m, n, r);
  if (kind === 'filterGradient') return plan;
  return { ...plan, slices: 1, slice: Math.ceil(r / DEPTH) * DEPTH };
}

const A_LOADERS: Record<GemmKind, string> = {
  forward: `
fn loadA(m: i32, r: i32) -> f32 {
  let ci = r % u.inC;
  let tap = r / u.inC;
  let kx = tap % u.kw;
  let ky = tap / u.kw;
  let ox = m % u.outW;
  let rest = m / u.outW;
  let oy = rest % u.outH;
  let b = rest / u.outH;
  let iy = oy * u.stride + ky - u.pad;
  let ix = ox * u.stride + kx - u.pad;
  if (iy < 0 || iy >= u.inH || ix < 0 || ix >= u.inW) { return 0.0; }
  return srcA[((b * u.inH + iy) * u.inW + ix) * u.inC + ci];
}`,
  inputGradient: `
fn loadA(m: i32, r: i32) -> f32 {
  let co = r % u.outC;
  let tap = r / u.outC;
  let kx = tap % u.kw;
  let ky = tap / u.kw;
  let ix = m % u.inW;
  let rest = m / u.inW;
  let iy = rest % u.inH;
  let b = rest / u.inH;
  let oy = iy + u.pad - ky;
  let ox = ix + u.pad - kx;
  if (oy < 0 || oy >= u.outH || ox < 0 || ox >= u.outW) { return 0.0; }
  return srcA[((b * u.outH + oy) * u.outW + ox) * u.outStride + u.outChannel + co];
}`,
  filterGradient: `
fn loadA(m: i32, r: i32) -> f32 {
  if (m == u.biasRow) { return 1.0; }
  let ci = m % u.inC;
  let tap = m / u.inC;
  let kx = tap % u.kw;
  let ky = tap / u.kw;
  let ox = r % u.outW;
  let rest = r / u.outW;
  let oy = rest % u.outH;
  let b = rest / u.outH;
  let iy = oy * u.stride + ky - u.pad;
  let ix = ox * u.stride + kx - u.pad;
  if (iy < 0 || iy >= u.inH || ix < 0 || ix >= u.inW) { return 0.0; }
  return srcA[((b * u.inH + iy) * u.inW + ix) * u.inC + ci];
}`,
};

const B_LOADERS: Record<GemmKind, string> = {
  forward: `
fn loadB(r: i32, n: i32) -> f32 { return srcB[u.kernelOffset + r * u.outC + n]; }`,
  inputGradient: `
fn loadB(r: i32, n: i32) -> f32 {
  let co = r % u.outC;
  let tap = r / u.outC;
  return srcB[u.kernelOffset + (tap * u.inC + n) * u.outC + co];
}`,
  filterGradient: `
fn loadB(r: i32, n: i32) -> f32 { return srcB[r * u.outStride + u.outChannel + n]; }`,
};

/** Which index of each operand is contiguous in memory, so that neighbouring threads read neighbours. */
const FAST: Record<GemmKind, { aAlongR: boolean; bAlongR: boolean }> = {
  forward: { aAlongR: true, bAlongR: false },
  inputGradient: { aAlongR: true, bAlongR: true },
  filterGradient: { aAlongR: false, bAlongR: false },
};

/**
 * How C is written: the gradients (`store`, dense at outOffset, by slice), or a forward output at
 * its place (outStride, outChannel) with the bias and an activation, or `plain` without a bias.
 */
export type Epilogue = 'store' | 'plain' | 'bias' | 'biasRelu' | 'biasSigmoid';

const FORWARD_VALUE: Record<Exclude<Epilogue, 'store'>, string> = {
  plain: 'sum',
  bias: 'sum + srcB[u.biasOffset + n]',
  biasRelu: 'max(sum + srcB[u.biasOffset + n], 0.0)',
  biasSigmoid: '1.0 / (1.0 + exp(-1.0 * (sum + srcB[u.biasOffset + n])))',
};

/** The WGSL of one product kind, tile shape and epilogue. */
export function gemmShader(kind: GemmKind, plan: GemmPlan, epilogue: Epilogue): string {
  const tm = THREADS * plan.rows;
  const tn = THREADS * plan.cols;
  const fast = FAST[kind];
  const stage = (operand: 'A' | 'B', alongR: boolean, width: number, per: number) => `
    for (var i = 0; i < ${per}; i = i + 1) {
      let index = i32(lane) + ${THREADS * THREADS} * i;
      let k = ${alongR ? `index % ${DEPTH}` : `index / ${width}`};
      let e = ${alongR ? `index / ${DEPTH}` : `index % ${width}`};
      let r = r0 + k;
      var value = 0.0;
      ${
        operand === 'A'
          ? `if (r < rEnd && m0 + e < u.m) { value = loadA(m0 + e, r); }`
          : `if (r < rEnd && n0 + e < u.n) { value = loadB(r, n0 + e); }`
      }
      tile${operand}[k * ${width} + e] = value;
    }`;
  const write =
    epilogue === 'store'
      ? `dst[u.outOffset + (i32(wid.z) * u.m + m) * u.n + n] = sum;`
      : `dst[m * u.outStride + u.outChannel + n] = ${FORWARD_VALUE[epilogue]};`;
  return `
${GEMM_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> srcA: array<f32>;
@group(0) @binding(2) var<storage, read> srcB: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
var<workgroup> tileA: array<f32, ${DEPTH * tm}>;
var<workgroup> tileB: array<f32, ${DEPTH * tn}>;
${A_LOADERS[kind]}
${B_LOADERS[kind]}

@compute @workgroup_size(${THREADS}, ${THREADS}, 1)
fn main(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
) {
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let m0 = i32(wid.y) * ${tm};
  let n0 = i32(wid.x) * ${tn};
  let rStart = i32(wid.z) * u.slice;
  let rEnd = min(rStart + u.slice, u.r);
  var acc: array<f32, ${plan.rows * plan.cols}>;
  for (var s = 0; s < u.slice / ${DEPTH}; s = s + 1) {
    let r0 = rStart + s * ${DEPTH};
    ${stage('A', fast.aAlongR, tm, plan.rows)}
    ${stage('B', fast.bAlongR, tn, plan.cols)}
    workgroupBarrier();
    for (var k = 0; k < ${DEPTH}; k = k + 1) {
      var a: array<f32, ${plan.rows}>;
      var b: array<f32, ${plan.cols}>;
      for (var i = 0; i < ${plan.rows}; i = i + 1) { a[i] = tileA[k * ${tm} + ty + ${THREADS} * i]; }
      for (var j = 0; j < ${plan.cols}; j = j + 1) { b[j] = tileB[k * ${tn} + tx + ${THREADS} * j]; }
      for (var i = 0; i < ${plan.rows}; i = i + 1) {
        for (var j = 0; j < ${plan.cols}; j = j + 1) {
          acc[i * ${plan.cols} + j] = acc[i * ${plan.cols} + j] + a[i] * b[j];
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0; i < ${plan.rows}; i = i + 1) {
    for (var j = 0; j < ${plan.cols}; j = j + 1) {
      let m = m0 + ty + ${THREADS} * i;
      let n = n0 + tx + ${THREADS} * j;
      let sum = acc[i * ${plan.cols} + j];
      if (m < u.m && n < u.n) { ${write} }
    }
  }
}`;
}

/** Workgroups of a product: tiles of n, tiles of m, slices. */
export function gemmWorkgroups(plan: GemmPlan, m: number, n: number): [number, number, number] {
  return [Math.ceil(n / (THREADS * plan.cols)), Math.ceil(m / (THREADS * plan.rows)), plan.slices];
}

export function gemmUniforms(
  g: ConvGeometry,
  sizes: { m: number; n: number; r: number },
  plan: GemmPlan,
  offsets: { kernelOffset?: number; biasOffset?: number; outOffset?: number; biasRow?: number },
): GemmUniforms {
  return {
    ...sizes,
    slice: plan.slice,
    inH: g.inH,
    inW: g.inW,
    inC: g.inC,
    outH: g.outH,
    outW: g.outW,
    outC: g.outC,
    kh: g.kh,
    kw: g.kw,
    stride: g.stride,
    pad: g.pad,
    kernelOffset: offsets.kernelOffset ?? 0,
    biasOffset: offsets.biasOffset ?? 0,
    outOffset: offsets.outOffset ?? 0,
    biasRow: offsets.biasRow ?? -1,
    outStride: g.outStride,
    outChannel: g.outChannel,
  };
}

export const SUM_SLICES_UNIFORMS = new UniformLayout({
  size: 'i32',
  slices: 'i32',
  outOffset: 'i32',
});

/** Sums the filter gradient's slices into the gradient buffer: dst[outOffset + i] = Σ_s partial[s, i]. */
export const SUM_SLICES_SHADER = `
${SUM_SLICES_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {
  ${gridStride('u.size')}
    var total = 0.0;
    for (var s = 0; s < u.slices; s = s + 1) { total = total + partial[s * u.size + i]; }
    dst[u.outOffset + i] = total;
  }
}`;
