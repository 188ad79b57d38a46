/**
 * A GPU's filter gradients cut by measurement: at a model's first compile on an adapter, each
 * distinct filter-gradient product is timed with each of FILTER_GRADIENT_TILES (GPU timestamps,
 * on scratch buffers of its shape) and the fastest kept, per adapter, in IndexedDB; later compiles
 * read it back. Where the adapter has no timestamp queries, or a software adapter runs the direct
 * products (gemm.ts styleOn), the fixed plan stays.
 *
 * Why the filter gradient: its long sum is split into slices, and how many workgroups that split
 * aims at, and the tile it cuts, decide its speed more than anything in the forward products. On
 * an H200 (bench/kernels.ts `--kernels-tiles`, 75 shapes of the seed SegNet and DenseNet-121 at
 * batch 16) a split for 2,048 workgroups instead of 512 was fastest on 34 shapes and 3.65x slower
 * on one, and the fastest candidate of each shape took 0.80 of the fixed plan's time in all.
 */
import { get, set } from 'idb-keyval';
import { store } from '../storage/stores.ts';
import type { TileChoice } from '../kernels/webgpu/gemmPlan.ts';
import type { ConvOp, Graph } from './graph.ts';
import { adapterKey, type Gpu } from './gpu.ts';
import {
  GEMM_UNIFORMS,
  gemmShader,
  gemmSizes,
  gemmUniforms,
  gemmWorkgroups,
  planGemm,
  SUM_SLICES_SHADER,
  SUM_SLICES_UNIFORMS,
  type ConvGeometry,
} from './kernels/gemm.ts';
import { groupsFor } from './kernels/uniforms.ts';

/**
 * The candidates, the fixed plan first: the split for 2,048 workgroups, a 128 x 32 tile (8 x 2 a
 * thread: DenseNet's 32-channel growth layers), and a 128 x 64 tile with the wider split. These
 * were the four fastest most often on the H200.
 */
export const FILTER_GRADIENT_TILES: readonly Partial<TileChoice>[] = [
  {},
  { workgroups: 2048 },
  { threadsM: 16, threadsN: 16, rows: 8, cols: 2 },
  { threadsM: 16, threadsN: 16, rows: 8, cols: 4, workgroups: 2048 },
];
/** FILTER_GRADIENT_TILES' names, in their order. */
const TILE_NAMES = ['plan', 'split 2048', '128x32', '128x64, split 2048'];

/** How many filter gradients took each candidate, in words ("plan 30, split 2048 12"). */
export function describeTiles(tiles: ReadonlyMap<ConvOp, Partial<TileChoice>>): string {
  if (tiles.size === 0) return 'the fixed plan (not measured)';
  const counts = new Map<string, number>();
  for (const tile of tiles.values()) {
    const name = TILE_NAMES[FILTER_GRADIENT_TILES.indexOf(tile)] ?? 'other';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return `measured: ${[...counts].map(([name, n]) => `${name} ${n}`).join(', ')}`;
}

/** Raised whenever the candidates or the products change, so that older choices are not read. */
const REVISION = 1;

/** Timed runs of each candidate; the fastest counts (the first may include caches warming). */
const RUNS = 3;
/**
 * Calls of the product in each timed run: browsers may round timestamps to 0.1 ms, so a run is
 * made long enough for that to matter little.
 */
const CALLS = 4;

/** A filter-gradient product's shape, as its choice is kept. */
export function productKey(g: ConvGeometry, bias: boolean): string {
  return `${g.batch}x${g.inH}x${g.inW}x${g.inC} ${g.kh}x${g.kw}/${g.stride} pad ${g.pad} → ${g.outC} (${g.outStride}) ${bias ? 'bias' : 'no bias'}`;
}

/** The candidate index that ran fastest, given each one's milliseconds (the plan on a tie). */
export function fastest(ms: readonly number[]): number {
  let best = 0;
  ms.forEach((t, i) => {
    if (t < (ms[best] as number)) best = i;
  });
  return best;
}

const remembered = new Map<string, Record<string, number>>();

/**
 * The tile of each of `graph`'s convolutions' filter gradients on this adapter: kept choices,
 * else measured now (and kept). Empty where the adapter cannot time its kernels.
 */
export async function chooseFilterGradientTiles(
  gpu: Gpu,
  graph: Graph,
): Promise<Map<ConvOp, Partial<TileChoice>>> {
  const chosen = new Map<ConvOp, Partial<TileChoice>>();
  if (!gpu.device.features.has('timestamp-query')) return chosen;
  const key = `tiles:r${REVISION}:${adapterKey(gpu.backend)}:${__APP_VERSION__}`;
  const timings = store('backendTimings');
  const kept =
    remembered.get(key) ??
    (await get<Record<string, number>>(key, timings).catch(() => undefined)) ??
    {};
  let measured = false;
  for (const op of graph.ops) {
    if (op.kind !== 'conv') continue;
    const shape = productKey(op.geometry, op.bias !== null);
    if (kept[shape] === undefined) {
      const ms = await timeCandidates(gpu, op.geometry, op.bias !== null);
      kept[shape] = fastest(ms);
      measured = true;
    }
    chosen.set(op, FILTER_GRADIENT_TILES[kept[shape] as number] ?? {});
  }
  remembered.set(key, kept);
  if (measured) await set(key, kept, timings).catch(() => undefined);
  return chosen;
}

/** Each candidate's GPU milliseconds a call (the fastest of RUNS) for one product, on scratch buffers. */
async function timeCandidates(gpu: Gpu, g: ConvGeometry, bias: boolean): Promise<number[]> {
  const { device } = gpu;
  const sizes = gemmSizes('filterGradient', g, bias);
  const plans = FILTER_GRADIENT_TILES.map((tile) =>
    planGemm('filterGradient', sizes.m, sizes.n, sizes.r, 'tiled', tile),
  );
  const made: GPUBuffer[] = [];
  const scratch = (floats: number) => {
    const buffer = device.createBuffer({
      size: Math.max(16, Math.ceil((floats * 4) / 16) * 16),
      usage: GPUBufferUsage.STORAGE,
    });
    made.push(buffer);
    return buffer;
  };
  const x = scratch(g.batch * g.inH * g.inW * g.inC);
  const dy = scratch(g.batch * g.outH * g.outW * g.outStride);
  const out = scratch(sizes.m * sizes.n);
  const partials = scratch(Math.max(...plans.map((p) => p.slices)) * sizes.m * sizes.n);
  const passes = plans.length * RUNS;
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 * passes });
  const resolved = device.createBuffer({
    size: 16 * passes,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const read = device.createBuffer({
    size: 16 * passes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  made.push(resolved, read);
  try {
    const dispatches = await Promise.all(
      plans.map(async (plan) => {
        const sliced = plan.slices > 1;
        const uniforms = gemmUniforms(g, sizes, plan, { biasRow: bias ? sizes.m - 1 : -1 });
        const product = await gpu.dispatch(
          'tile candidate',
          gemmShader('filterGradient', plan, 'store', 'tiled'),
          gpu.uniforms(GEMM_UNIFORMS, uniforms, 'tile candidate'),
          [x, dy, sliced ? partials : out],
          gemmWorkgroups(plan, sizes.m, sizes.n),
        );
        if (!sliced) return [product];
        const count = sizes.m * sizes.n;
        const sum = await gpu.dispatch(
          'tile candidate sum',
          SUM_SLICES_SHADER,
          gpu.uniforms(
            SUM_SLICES_UNIFORMS,
            { size: count, slices: plan.slices, outOffset: 0 },
            'tile candidate sum',
          ),
          [partials, out],
          [groupsFor(count), 1, 1],
        );
        return [product, sum];
      }),
    );
    const encoder = device.createCommandEncoder({ label: 'tile candidates' });
    for (let run = 0; run < RUNS; run++) {
      dispatches.forEach((list, c) => {
        const index = run * plans.length + c;
        const pass = encoder.beginComputePass({
          timestampWrites: {
            querySet,
            beginningOfPassWriteIndex: 2 * index,
            endOfPassWriteIndex: 2 * index + 1,
          },
        });
        for (let call = 0; call < CALLS; call++) {
          for (const d of list) {
            pass.setPipeline(d.pipeline);
            pass.setBindGroup(0, d.bindGroup);
            pass.dispatchWorkgroups(...d.workgroups);
          }
        }
        pass.end();
      });
    }
    encoder.resolveQuerySet(querySet, 0, 2 * passes, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, read, 0, 16 * passes);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return plans.map((_, c) => {
      let best = Infinity;
      for (let run = 0; run < RUNS; run++) {
        const index = run * plans.length + c;
        const ns = Number((stamps[2 * index + 1] as bigint) - (stamps[2 * index] as bigint));
        best = Math.min(best, ns / 1e6 / CALLS);
      }
      return best;
    });
  } finally {
    querySet.destroy();
    for (const buffer of made) buffer.destroy();
  }
}
