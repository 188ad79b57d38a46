/**
 * How the app's WebGPU convolutions cut their matrix products (src/engine/kernels/gemm.ts, run by
 * the training engine and, through tfjs, by src/kernels/webgpu/convolutions.ts): C = A · B of
 * M x N over a reduction K, tiled over workgroups, and K split into slices where C alone gives the
 * GPU too few workgroups (a filter gradient: few weights, a long sum over every output position).
 */

/** Threads per workgroup along each of C's two axes (16 x 16 = 256 threads). */
const THREADS = 16;
/** The depth of K staged per step in workgroup memory by a tiled product. */
export const DEPTH = 16;
/** A slice of K below this many rows is not worth its partial sums. */
const MIN_SLICE = 256;
/** Split K until the tiles and slices give about this many workgroups. */
const TARGET_WORKGROUPS = 512;

/**
 * A tiled product's cut when it is chosen rather than planned (the kernel benchmark times such
 * candidates per shape): threads along C's rows and columns, each thread's block (up to 8 x 8),
 * and the workgroups a split K aims at.
 */
export interface TileChoice {
  threadsM: number;
  threadsN: number;
  rows: number;
  cols: number;
  workgroups?: number;
}

/**
 * How a product C = A · B of M x N over K is cut: threadsM x threadsN threads a workgroup (256 in
 * all), each computing `rows` x `cols` of C (1, 2 or 4 each, so that a workgroup covers
 * threadsM · rows by threadsN · cols and a narrow C wastes no threads), and K cut into `slices` of
 * `slice` positions.
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
 * tiles of C are few (`workgroups`, 512 by default), never a slice shorter than MIN_SLICE rows, and
 * one slice when K is short; without, one slice. `threadsN` threads along N (16 by default) and
 * `threadsM` along M (256 in all by default; fewer make a smaller workgroup), each thread `rows` x
 * `cols` of C (by default 1, 2 or 4 each, as few as C's size needs).
 */
export function gemmPlan(
  m: number,
  n: number,
  k: number,
  {
    threadsN = THREADS,
    threadsM = (THREADS * THREADS) / threadsN,
    rows = perThread(m, threadsM),
    cols = perThread(n, threadsN),
    workgroups = TARGET_WORKGROUPS,
    split = true,
  }: Partial<TileChoice> & { split?: boolean } = {},
): GemmPlan {
  let slices = 1;
  if (split) {
    const tiles = Math.ceil(m / (threadsM * rows)) * Math.ceil(n / (threadsN * cols));
    const wanted = Math.ceil(workgroups / tiles);
    slices = Math.max(1, Math.min(wanted, Math.floor(k / MIN_SLICE)));
  }
  const slice = Math.ceil(k / slices / DEPTH) * DEPTH;
  return { threadsM, threadsN, rows, cols, slices: Math.ceil(k / slice), slice };
}

/** A software adapter: WebGPU emulated on the CPU (SwiftShader). */
export const isSoftwareAdapter = (backend: unknown) =>
  (backend as { adapterInfo?: { architecture?: string } }).adapterInfo?.architecture ===
  'swiftshader';
