/**
 * Where the engine's products (gemm.ts) find their operands' elements: for each kind, what an
 * element of A depends on in m and of B in n, worked out once per thread (`fixA`, `fixB`), and how
 * it is read at a given r (`loadA`, `loadB`), with r walked as mixed-radix digits moved on by
 * additions (`walkFrom`, `walkOn`) instead of divided out at every element.
 */
import type { GemmKind } from './gemm.ts';

/**
 * How each operand's elements are found. A thread reads the same elements (the same m or n) at
 * every step of r: a tiled product's slab, r moved on by DEPTH, or a direct product's r, moved on
 * by 1. So what depends on m is worked out once (`fix`), and r is walked as mixed-radix digits (c0
 * fastest, radices `radix`) moved on by additions (`Walk`); the loop does no integer division,
 * which a GPU does slowly and a software adapter (SwiftShader) lane by lane on the CPU.
 */
export interface Operand {
  /** The digits of r: c0 in [0, radix[0]), c1 in [0, radix[1]), c2 unbounded. */
  radix: [string, string];
  /** WGSL: `fn fixX(e: i32) -> Fixed` for m (A) or n (B), and `fn loadX(f: Fixed, w: Walk) -> f32`. */
  code: string;
}

/** Radix of a digit that never carries (an operand that only needs r itself). */
const NO_CARRY = '1073741824';

export const A_OPERANDS: Record<GemmKind, Operand> = {
  // m = (b, oy, ox), r = (ky, kx, ci).
  forward: {
    radix: ['u.inC', 'u.kw'],
    code: `
fn fixA(m: i32) -> Fixed {
  let ox = m % u.outW;
  let rest = m / u.outW;
  return Fixed(m < u.m, (rest / u.outH) * u.inH, (rest % u.outH) * u.stride - u.pad, ox * u.stride - u.pad);
}
fn loadA(f: Fixed, w: Walk) -> f32 {
  let iy = f.q + w.c2;
  let ix = f.s + w.c1;
  if (iy < 0 || iy >= u.inH || ix < 0 || ix >= u.inW) { return 0.0; }
  return srcA[((f.p + iy) * u.inW + ix) * u.inC + w.c0];
}`,
  },
  // m = (b, iy, ix), r = (ky, kx, co).
  inputGradient: {
    radix: ['u.outC', 'u.kw'],
    code: `
fn fixA(m: i32) -> Fixed {
  let ix = m % u.inW;
  let rest = m / u.inW;
  return Fixed(m < u.m, (rest / u.inH) * u.outH, rest % u.inH + u.pad, ix + u.pad);
}
fn loadA(f: Fixed, w: Walk) -> f32 {
  let oy = f.q - w.c2;
  let ox = f.s - w.c1;
  if (oy < 0 || oy >= u.outH || ox < 0 || ox >= u.outW) { return 0.0; }
  return srcA[((f.p + oy) * u.outW + ox) * u.outStride + u.outChannel + w.c0];
}`,
  },
  // m = (ky, kx, ci), or the bias's row of ones (p = -1); r = (b, oy, ox).
  filterGradient: {
    radix: ['u.outW', 'u.outH'],
    code: `
fn fixA(m: i32) -> Fixed {
  let tap = m / u.inC;
  return Fixed(m < u.m, select(m % u.inC, -1, m == u.biasRow), tap / u.kw - u.pad, tap % u.kw - u.pad);
}
fn loadA(f: Fixed, w: Walk) -> f32 {
  if (f.p < 0) { return 1.0; }
  let iy = w.c1 * u.stride + f.q;
  let ix = w.c0 * u.stride + f.s;
  if (iy < 0 || iy >= u.inH || ix < 0 || ix >= u.inW) { return 0.0; }
  return srcA[((w.c2 * u.inH + iy) * u.inW + ix) * u.inC + f.p];
}`,
  },
};

export const B_OPERANDS: Record<GemmKind, Operand> = {
  forward: {
    radix: [NO_CARRY, NO_CARRY],
    code: `
fn fixB(n: i32) -> Fixed { return Fixed(n < u.n, n, 0, 0); }
fn loadB(f: Fixed, w: Walk) -> f32 { return srcB[u.kernelOffset + w.r * u.outC + f.p]; }`,
  },
  // r = (tap, co): the kernel transposed.
  inputGradient: {
    radix: ['u.outC', NO_CARRY],
    code: `
fn fixB(n: i32) -> Fixed { return Fixed(n < u.n, n, 0, 0); }
fn loadB(f: Fixed, w: Walk) -> f32 {
  return srcB[u.kernelOffset + (w.c1 * u.inC + f.p) * u.outC + w.c0];
}`,
  },
  filterGradient: {
    radix: [NO_CARRY, NO_CARRY],
    code: `
fn fixB(n: i32) -> Fixed { return Fixed(n < u.n, n, 0, 0); }
fn loadB(f: Fixed, w: Walk) -> f32 { return srcB[w.r * u.outStride + u.outChannel + f.p]; }`,
  },
};

/**
 * The forward product and the input gradient walked tap by tap (r = (tap, channel), the channel
 * fastest, so the same order as the walk above): for each tap (ky, kx), `tapA` gives where an A
 * row's channels start, or -1 where the tap falls in the padding or the row is outside C, and
 * `tapB` where a B column's first element is; the channels then follow, A's one apart and B's
 * `bStep` apart. Bounds are checked once per tap, not at every element.
 */
export const TAP_OPERANDS: Record<
  Exclude<GemmKind, 'filterGradient'>,
  { channels: string; bStep: string; code: string }
> = {
  forward: {
    channels: 'u.inC',
    bStep: 'u.outC',
    code: `
fn tapA(f: Fixed, ky: i32, kx: i32) -> i32 {
  let iy = f.q + ky;
  let ix = f.s + kx;
  if (!f.ok || iy < 0 || iy >= u.inH || ix < 0 || ix >= u.inW) { return -1; }
  return ((f.p + iy) * u.inW + ix) * u.inC;
}
fn tapB(n: i32, tap: i32) -> i32 { return u.kernelOffset + tap * u.inC * u.outC + n; }`,
  },
  inputGradient: {
    channels: 'u.outC',
    bStep: '1',
    code: `
fn tapA(f: Fixed, ky: i32, kx: i32) -> i32 {
  let oy = f.q - ky;
  let ox = f.s - kx;
  if (!f.ok || oy < 0 || oy >= u.outH || ox < 0 || ox >= u.outW) { return -1; }
  return ((f.p + oy) * u.outW + ox) * u.outStride + u.outChannel;
}
fn tapB(n: i32, tap: i32) -> i32 { return u.kernelOffset + (tap * u.inC + n) * u.outC; }`,
  },
};

/** Which index of each operand is contiguous in memory, so that neighbouring threads read neighbours. */
export const FAST: Record<GemmKind, { aAlongR: boolean; bAlongR: boolean }> = {
  forward: { aAlongR: true, bAlongR: false },
  inputGradient: { aAlongR: true, bAlongR: true },
  filterGradient: { aAlongR: false, bAlongR: false },
};

/** The WGSL every product kind shares: an operand element's fixed part and r's walk. */
export const OPERAND_WGSL = `
/** What an operand's element needs of its m or n: whether it is in C, and three indices. */
struct Fixed { ok: bool, p: i32, q: i32, s: i32 }
/** r, and its mixed-radix digits. */
struct Walk { r: i32, c0: i32, c1: i32, c2: i32 }

fn walkFrom(r: i32, radix0: i32, radix1: i32) -> Walk {
  let rest = r / radix0;
  return Walk(r, r % radix0, rest % radix1, rest / radix1);
}

fn walkOn(w: Walk, by: i32, radix0: i32, radix1: i32) -> Walk {
  var v = Walk(w.r + by, w.c0 + by, w.c1, w.c2);
  while (v.c0 >= radix0) { v.c0 = v.c0 - radix0; v.c1 = v.c1 + 1; }
  while (v.c1 >= radix1) { v.c1 = v.c1 - radix1; v.c2 = v.c2 + 1; }
  return v;
}
`;
