/**
 * The engine's convolutions, all three as one implicit matrix product C[m, n] = Σ_r A(m, r)
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
 * Each workgroup, threadsM x threadsN threads, computes a tile of (threadsM · rows) x
 * (threadsN · cols) of C; each thread keeps rows x cols sums in registers. On a GPU (`tiled`) a
 * workgroup has 256 threads (32 x 8 for a C of 8 columns or fewer) and stages 16-deep slabs of A
 * and B in workgroup memory; on a software adapter (`direct`) its threads read their operands
 * themselves, in loops laid out for a CPU, and the workgroup is sized to C (gemmLoops.ts).
 */
import { DEPTH, gemmPlan, type GemmPlan, type TileChoice } from '../../kernels/webgpu/gemmPlan.ts';
import { runsBody, tapsBody, tiledBody } from './gemmLoops.ts';
import { A_OPERANDS, B_OPERANDS, OPERAND_WGSL, TAP_OPERANDS } from './gemmOperands.ts';
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

/** What each kind multiplies: the sizes of C and of the reduction. */
export function gemmSizes(kind: GemmKind, g: ConvGeometry, bias: boolean) {
  const taps = g.kh * g.kw;
  if (kind === 'forward') return { m: g.batch * g.outH * g.outW, n: g.outC, r: taps * g.inC };
  if (kind === 'inputGradient') return { m: g.batch * g.inH * g.inW, n: g.inC, r: taps * g.outC };
  return { m: taps * g.inC + (bias ? 1 : 0), n: g.outC, r: g.batch * g.outH * g.outW };
}

/**
 * A forward product's reduction this long is split like a filter gradient's where `splitForward`
 * asks (the engine, on a GPU): only dense layers have one (the seed head's 65,536 x 1,024 product,
 * whose 32 rows of C made 16 workgroups that each summed all of r: 45 of its step's 47 GPU ms on an
 * H200); a convolution's is at most 9 x 1,024 (DenseNet-121's widest 3 x 3 has 128 inputs).
 */
export const LONG_FORWARD = 4096;

/**
 * The plan of a product (gemmPlan's); the filter gradient's long r is split, and with
 * `splitForward` a tiled forward product's of LONG_FORWARD or more. Tiled: 16 x 16
 * threads, or 32 x 8 when C has 8 columns or fewer. Direct: as few threads across C's columns as
 * give each thread 4 of them (4 across 16 columns, 16 across 64 or more), so that a narrow C
 * still has a 4 x 4 block per thread: each element read serves 4 products, not 1; and as few
 * down C's rows as cover them 4 each, up to 256 threads in all (DenseNet's last 1 x 1 input
 * gradients have 8 rows at batch 2 and 56 px), so that no workgroup runs idle threads. What a
 * `tile` gives replaces that part of a tiled product's plan (the kernel benchmark's candidates).
 */
export function planGemm(
  kind: GemmKind,
  m: number,
  n: number,
  r: number,
  style: GemmStyle,
  tile?: Partial<TileChoice>,
  splitForward = false,
): GemmPlan {
  const split =
    kind === 'filterGradient' ||
    (splitForward && kind === 'forward' && style === 'tiled' && r >= LONG_FORWARD);
  if (style === 'tiled') return gemmPlan(m, n, r, { threadsN: n <= 8 ? 8 : 16, split, ...tile });
  const threadsN = Math.min(16, 2 ** Math.max(0, Math.floor(Math.log2(n / 4))));
  const threadsM = Math.min(256 / threadsN, 2 ** Math.ceil(Math.log2(Math.ceil(m / 4))));
  return gemmPlan(m, n, r, { threadsN, threadsM, split });
}

/**
 * How C is written: the gradients (`store`, dense at outOffset, by slice), or a forward output at
 * its place (outStride, outChannel), `plain` or with an activation, with or without the bias.
 */
export type Epilogue = 'store' | 'plain' | 'relu' | 'sigmoid' | 'bias' | 'biasRelu' | 'biasSigmoid';

/** A forward output's value from its sum; `biasAt(n)` is the shader's (its bias's binding). */
const FORWARD_VALUE: Record<Exclude<Epilogue, 'store'>, string> = {
  plain: 'sum',
  relu: 'max(sum, 0.0)',
  sigmoid: '1.0 / (1.0 + exp(-1.0 * sum))',
  bias: 'sum + biasAt(n)',
  biasRelu: 'max(sum + biasAt(n), 0.0)',
  biasSigmoid: '1.0 / (1.0 + exp(-1.0 * (sum + biasAt(n))))',
};

/**
 * How a workgroup computes its tile: `tiled`, staging slabs of A and B in workgroup memory between
 * barriers (a GPU's way: each element read from memory once per workgroup); `direct`, each thread
 * reading its own operands from storage with no workgroup memory and no barrier. Both sum r in the
 * same order, so they give the same C.
 */
export type GemmStyle = 'tiled' | 'direct';

/**
 * The style of the products on an adapter: `tiled` on a GPU; `direct` on a software adapter
 * (SwiftShader), which runs a workgroup's threads on the CPU as coroutines, set up per workgroup
 * and switched at every barrier, and whose caches do the staging. Its direct loops are laid out
 * for a CPU: a forward product or input gradient tap by tap with the channels innermost (the bounds
 * checked once per tap, both operands read at fixed steps), a filter gradient in runs along an
 * output row. Measured (SwiftShader, 2 cores, GPU ms of one step against the rule before, which
 * kept the wide gradients tiled and walked r element by element): cpu preset's SegNet 18,751 →
 * 9,032, seed SegNet at 96 px 26,294 → 11,368; DenseNet-121 at 64 px 0.30 → 0.59 images/s.
 */
export function styleOn(software: boolean): GemmStyle {
  return software ? 'direct' : 'tiled';
}

/** The engine's WGSL of one product kind, plan, epilogue and style. */
export function gemmShader(
  kind: GemmKind,
  plan: GemmPlan,
  epilogue: Epilogue,
  style: GemmStyle,
): string {
  const { declarations, body } = gemmParts(kind, plan, epilogue, style, 'dst');
  return `
${GEMM_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> srcA: array<f32>;
@group(0) @binding(2) var<storage, read> srcB: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
fn biasAt(n: i32) -> f32 { return srcB[u.biasOffset + n]; }
${declarations}

@compute @workgroup_size(${plan.threadsN}, ${plan.threadsM}, 1)
fn main(
  @builtin(local_invocation_id) lid: vec3<u32>,
  @builtin(local_invocation_index) lane: u32,
  @builtin(workgroup_id) wid: vec3<u32>,
) {${body}
}`;
}

/**
 * A product's WGSL apart from its bindings, for the engine's shader and for tfjs's programs
 * (src/kernels/webgpu/convolutions.ts): the module-scope declarations, and the body of a main
 * that has `lid`, `lane` and `wid` (the local id, local index and workgroup id). It reads the
 * uniforms as `u`, the operands as `srcA` and `srcB`, a forward product's bias through
 * `biasAt(n)`, and writes C into `out`.
 */
export function gemmParts(
  kind: GemmKind,
  plan: GemmPlan,
  epilogue: Epilogue,
  style: GemmStyle,
  out: string,
): { declarations: string; body: string } {
  const { threadsM, threadsN } = plan;
  const tm = threadsM * plan.rows;
  const tn = threadsN * plan.cols;
  // The register block is written out as scalars (acc0_0 ...), not arrays, so that no compiler
  // keeps it in memory (SwiftShader's does not unroll the loops that index an array).
  const rows = Array.from({ length: plan.rows }, (_, i) => i);
  const cols = Array.from({ length: plan.cols }, (_, j) => j);
  const pairs = rows.flatMap((i) => cols.map((j) => [i, j] as const));
  const write =
    epilogue === 'store'
      ? `${out}[u.outOffset + (i32(wid.z) * u.m + m) * u.n + n] = sum;`
      : `${out}[m * u.outStride + u.outChannel + n] = ${FORWARD_VALUE[epilogue]};`;
  const taps = style === 'direct' && kind !== 'filterGradient';
  const loop =
    style === 'tiled'
      ? tiledBody(kind, plan, rows, cols, pairs)
      : taps
        ? tapsBody(kind, plan, rows, cols, pairs)
        : runsBody(plan, rows, cols, pairs);
  const declarations = `${style === 'tiled' ? `var<workgroup> tileA: array<f32, ${DEPTH * tm}>;\nvar<workgroup> tileB: array<f32, ${DEPTH * tn}>;` : ''}
${OPERAND_WGSL}
${A_OPERANDS[kind].code}
${taps ? TAP_OPERANDS[kind as keyof typeof TAP_OPERANDS].code : B_OPERANDS[kind].code}`;
  const body = `
  let tx = i32(lid.x);
  let ty = i32(lid.y);
  let m0 = i32(wid.y) * ${tm};
  let n0 = i32(wid.x) * ${tn};
  let rStart = i32(wid.z) * u.slice;
  let rEnd = min(rStart + u.slice, u.r);${
    // A direct product has no barrier, so a thread with nothing of C to write leaves at once (a
    // narrow C, as the SegNet's one-channel mask head, leaves most of a workgroup idle).
    style === 'direct' ? '\n  if (m0 + ty >= u.m || n0 + tx >= u.n) { return; }' : ''
  }
  ${pairs.map(([i, j]) => `var acc${i}_${j} = 0.0;`).join('\n  ')}
  ${loop}
  ${pairs
    .map(
      ([i, j]) => `{
    let m = m0 + ty + ${threadsM * i};
    let n = n0 + tx + ${threadsN * j};
    let sum = acc${i}_${j};
    if (m < u.m && n < u.n) { ${write} }
  }`,
    )
    .join('\n  ')}`;
  return { declarations, body };
}

/** Workgroups of a product: tiles of n, tiles of m, slices. */
export function gemmWorkgroups(plan: GemmPlan, m: number, n: number): [number, number, number] {
  return [
    Math.ceil(n / (plan.threadsN * plan.cols)),
    Math.ceil(m / (plan.threadsM * plan.rows)),
    plan.slices,
  ];
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

export const SUM_FORWARD_UNIFORMS = new UniformLayout({
  m: 'i32',
  n: 'i32',
  slices: 'i32',
  biasOffset: 'i32',
  outStride: 'i32',
  outChannel: 'i32',
});

/**
 * A split forward product's slices summed in slice order (partial[s, m, n], as the product writes
 * them with the `store` epilogue), then its epilogue (bias, activation) applied and C written at
 * its place, as the unsplit product writes it. The bias is read from the parameters.
 */
export function sumForwardShader(epilogue: Exclude<Epilogue, 'store'>): string {
  return `
${SUM_FORWARD_UNIFORMS.wgsl}
@group(0) @binding(0) var<uniform> u: Uniforms;
@group(0) @binding(1) var<storage, read> partial: array<f32>;
@group(0) @binding(2) var<storage, read> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;
fn biasAt(n: i32) -> f32 { return params[u.biasOffset + n]; }
@compute @workgroup_size(${LANES})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>) {
  ${gridStride('u.m * u.n')}
    var sum = 0.0;
    for (var s = 0; s < u.slices; s = s + 1) { sum = sum + partial[s * u.m * u.n + i]; }
    let m = i / u.n;
    let n = i % u.n;
    dst[m * u.outStride + u.outChannel + n] = ${FORWARD_VALUE[epilogue]};
  }
}`;
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
