/**
 * The kernels on real threads (Node's worker_threads, as the browser's workers): a call split over
 * a caller and two helpers gives exactly what one thread gives, a part that fails makes the call
 * throw, and the pool goes on serving after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomValues, relativeError } from '../../testValues.ts';
import * as adamBuilds from './adam.wasm.ts';
import * as conv2dBuilds from './conv2d.wasm.ts';
import * as filterBuilds from './filterGradient.wasm.ts';
import * as winogradBuilds from './winograd.wasm.ts';
import { spawnNodeThread } from './testThread.ts';
import { relaxedSimdRuns } from './testHarness.ts';
import type { NativeBuilds } from './module.ts';
import { SPIN_MS, unchangedAfterSpin } from './kernelThread.ts';
import { KernelThreads, type ThreadHandle } from './threads.ts';

const STACK = 64 * 1024;
const compile = (builds: NativeBuilds) =>
  new WebAssembly.Module(
    Buffer.from(relaxedSimdRuns(builds) ? builds.relaxedSimdShared : builds.simdShared, 'base64'),
  );

describe('kernel threads', () => {
  const memory = new WebAssembly.Memory({ initial: 1024, maximum: 65536, shared: true });
  const modules = [conv2dBuilds, filterBuilds, adamBuilds, winogradBuilds].map(compile);
  let stackTop = 0;
  const allocateStack = () => (stackTop += STACK);
  const local = modules.map((module) => {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    (instance.exports.__stack_pointer as WebAssembly.Global).value = allocateStack();
    return instance.exports as Record<string, (...args: number[]) => void>;
  });
  const [conv2d, filterGradient, adam, winograd] = local as [
    Record<string, (...args: number[]) => void>,
    Record<string, (...args: number[]) => void>,
    Record<string, (...args: number[]) => void>,
    Record<string, (...args: number[]) => number>,
  ];
  const heap = new Float32Array(memory.buffer);
  let pool: KernelThreads;

  beforeAll(async () => {
    pool = await KernelThreads.start({
      memory,
      modules,
      threads: 3,
      allocateStack,
      spawn: spawnNodeThread,
    });
  });
  afterAll(() => pool.stop());

  /** Floats from byte 1 MB up, well above the stacks. */
  const X = 1 << 18;

  it('starts two helpers', () => {
    expect(pool.threads).toBe(3);
  });

  it('splits a filter gradient over three threads, bit for bit as one thread computes it', () => {
    const [batch, h, w, ci, co, k] = [2, 12, 10, 7, 12, 3];
    const x = randomValues(1, batch * h * w * ci);
    const dy = randomValues(2, batch * h * w * co);
    const [xAt, dyAt, one, three] = [X, X + x.length, X + x.length + dy.length, X + 2e5];
    heap.set(x, xAt);
    heap.set(dy, dyAt);
    const args = (out: number) => [xAt * 4, dyAt * 4, out * 4, batch, h, w, ci, h, w, co, k, k];
    const rest = [1, 1, 1, 1, 16384];
    filterGradient.filterGradient?.(...args(one), ...rest, 0, 1);
    const calls = pool.parallelCalls;
    pool.run(
      modules[1] as WebAssembly.Module,
      'filterGradient',
      [...args(three), ...rest],
      3,
      (...a) => filterGradient.filterGradient?.(...a),
    );
    expect(pool.parallelCalls).toBe(calls + 1);
    const size = k * k * ci * co;
    expect(heap.slice(three, three + size)).toEqual(heap.slice(one, one + size));
    expect(heap.slice(one, one + size).some((v) => v !== 0)).toBe(true);
  });

  it('splits a convolution by rows the same way', () => {
    const [batch, h, w, ci, co, k] = [3, 9, 11, 5, 10, 3];
    const x = randomValues(3, batch * h * w * ci);
    const kernel = randomValues(4, k * k * ci * co);
    const [xAt, kAt, packed, one, two] = [X, X + 1e4, X + 2e4, X + 3e4, X + 5e4];
    heap.set(x, xAt);
    heap.set(kernel, kAt);
    conv2d.conv2dPack?.(kAt * 4, packed * 4, ci, co, k, k, 0);
    const args = (out: number) => [xAt * 4, packed * 4, 0, out * 4, batch, h, w, ci, h, w, co];
    // kh, kw, top, left, strides down and across, ReLU
    const rest = [k, k, 1, 1, 1, 1, 1];
    conv2d.conv2d?.(...args(one), ...rest, 0, 1);
    pool.run(modules[0] as WebAssembly.Module, 'conv2d', [...args(two), ...rest], 2, (...a) =>
      conv2d.conv2d?.(...a),
    );
    const size = batch * h * w * co;
    expect(heap.slice(two, two + size)).toEqual(heap.slice(one, one + size));
  });

  it.each([0, 1])(
    'splits a Winograd convolution (large tiles: %i) by rows of tiles, each thread in its own scratch',
    (large) => {
      const [batch, h, w, ci, co] = [3, 9, 11, 6, 10];
      const x = randomValues(5, batch * h * w * ci);
      const kernel = randomValues(6, 9 * ci * co);
      const [xAt, kAt, packed, one, three, scratch] = [
        X,
        X + 2e3,
        X + 3e3,
        X + 2e4,
        X + 3e4,
        X + 4e4,
      ];
      heap.set(x, xAt);
      heap.set(kernel, kAt);
      winograd.winogradPack?.(kAt * 4, packed * 4, ci, co, 0, large);
      const args = (out: number) => [xAt * 4, packed * 4, 0, out * 4, scratch * 4];
      // batch, h, w, ci, oh, ow, co, top, left, ReLU, large tiles
      const rest = [batch, h, w, ci, h, w, co, 1, 1, 1, large];
      winograd.winograd3x3?.(...args(one), ...rest, 0, 1);
      pool.run(
        modules[3] as WebAssembly.Module,
        'winograd3x3',
        [...args(three), ...rest],
        3,
        (...a) => winograd.winograd3x3?.(...a),
      );
      const size = batch * h * w * co;
      expect(heap.slice(three, three + size)).toEqual(heap.slice(one, one + size));
      expect(heap.slice(one, one + size).some((v) => v > 0)).toBe(true);
      // Three parts' scratch, from `scratch` up, below the next 10,000 floats.
      expect(3 * (winograd.winogradScratch?.(ci, large) ?? Infinity)).toBeLessThan(1e4);
    },
  );

  it.each([0, 1])(
    'splits a Winograd filter gradient (large tiles: %i) by tiles, the parts added up after',
    (large) => {
      const [batch, h, w, ci, co] = [2, 10, 9, 14, 11];
      const x = randomValues(7, batch * h * w * ci);
      const dy = randomValues(8, batch * h * w * co);
      const [xAt, dyAt, one, three, scratch] = [X, X + 3e3, X + 6e3, X + 8e3, X + 1e4];
      heap.set(x, xAt);
      heap.set(dy, dyAt);
      // batch, h, w, ci, oh, ow, co, top, left, large tiles
      const args = [xAt * 4, dyAt * 4, scratch * 4, batch, h, w, ci, h, w, co, 1, 1, large];
      winograd.winogradGradientParts?.(...args, 0, 1);
      winograd.winogradFilterGradient?.(scratch * 4, 1, one * 4, ci, co, large);
      pool.run(modules[3] as WebAssembly.Module, 'winogradGradientParts', args, 3, (...a) =>
        winograd.winogradGradientParts?.(...a),
      );
      winograd.winogradFilterGradient?.(scratch * 4, 3, three * 4, ci, co, large);
      const size = 9 * ci * co;
      const [whole, split] = [heap.slice(one, one + size), heap.slice(three, three + size)];
      expect(whole.some((v) => v !== 0)).toBe(true);
      // The same sums, added in another order (which F(4x4, 3x3)'s coefficients amplify).
      expect(relativeError(split, Float64Array.from(whole))).toBeLessThan(large ? 1e-5 : 1e-6);
    },
  );

  it('splits Adam over variables of any size, the parts crossing from one to the next', () => {
    const sizes = [5, 1, 11, 40];
    const ints = new Int32Array(memory.buffer);
    // value, m, v, gradient for each variable, then two sets of outputs.
    let at = X;
    const place = (values: Float32Array) => {
      heap.set(values, at);
      at += values.length;
      return (at - values.length) * 4;
    };
    const inputs = sizes.map((size, k) =>
      [1, 2, 3, 4].map((seed) => place(randomValues(10 * k + seed, size).map(Math.abs))),
    );
    const outputs = [0, 1].map(() =>
      sizes.map((size) => [0, 1, 2].map(() => place(new Float32Array(size)))),
    );
    const tables = outputs.map((out) => {
      const table = sizes.flatMap((size, k) => [...(inputs[k] ?? []), ...(out[k] ?? []), size]);
      return place(new Float32Array(Int32Array.from(table).buffer));
    });
    const scalars = place(Float32Array.of(0.9, 0.1, 0.999, 0.001, 0.1, 0.001, 1e-7, -0.01));
    expect(ints[(tables[0] as number) / 4 + 7]).toBe(5);
    adam.adam?.(tables[0] as number, sizes.length, scalars, 0, 1);
    pool.run(
      modules[2] as WebAssembly.Module,
      'adam',
      [tables[1] as number, sizes.length, scalars],
      3,
      (...a) => adam.adam?.(...a),
    );
    const total = sizes.reduce((a, b) => a + b, 0) * 3;
    const [one = 0, three = 0] = outputs.map((out) => (out[0]?.[0] as number) / 4);
    expect(heap.slice(three, three + total)).toEqual(heap.slice(one, one + total));
    expect(heap.slice(one, one + total).every(Number.isFinite)).toBe(true);
  });

  it('throws when a part fails, and serves the next call', () => {
    const outOfMemory = memory.buffer.byteLength + 4096;
    const args = [X * 4, X * 4, outOfMemory, 1, 8, 8, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 16384];
    expect(() =>
      pool.run(modules[1] as WebAssembly.Module, 'filterGradient', args, 3, () => undefined),
    ).toThrow(/filterGradient failed on 2 kernel thread/);
    expect(() =>
      pool.run(modules[1] as WebAssembly.Module, 'noSuchKernel', args, 3, () => undefined),
    ).toThrow(/no function noSuchKernel/);
    const fine = [X * 4, X * 4, (X + 4e4) * 4, 1, 8, 8, 4, 8, 8, 4, 3, 3, 1, 1, 1, 1, 16384];
    expect(() =>
      pool.run(modules[1] as WebAssembly.Module, 'filterGradient', fine, 3, (...a) =>
        filterGradient.filterGradient?.(...a),
      ),
    ).not.toThrow();
  });

  it('finishes a call whose helper stopped answering on this thread, then runs on one', async () => {
    let helper: ThreadHandle | undefined;
    const lone = await KernelThreads.start({
      memory,
      modules,
      threads: 2,
      allocateStack,
      spawn: () => (helper = spawnNodeThread()),
      partTimeoutMs: 500,
    });
    expect(lone.threads).toBe(2);
    // Its worker stopped from outside, as a browser may stop one.
    await helper?.terminate();
    const [batch, h, w, ci, co, k] = [2, 9, 8, 6, 5, 3];
    heap.set(randomValues(21, batch * h * w * ci), X);
    heap.set(randomValues(22, batch * h * w * co), X + 1e4);
    const args = (out: number) => [X * 4, (X + 1e4) * 4, out * 4, batch, h, w, ci, h, w, co, k, k];
    const rest = [1, 1, 1, 1, 16384];
    const [one, two] = [X + 2e4, X + 3e4];
    filterGradient.filterGradient?.(...args(one), ...rest, 0, 1);
    lone.run(
      modules[1] as WebAssembly.Module,
      'filterGradient',
      [...args(two), ...rest],
      2,
      (...a) => filterGradient.filterGradient?.(...a),
    );
    const size = k * k * ci * co;
    expect(heap.slice(two, two + size)).toEqual(heap.slice(one, one + size));
    expect(lone.threads).toBe(1);
  });

  it('refuses memory that threads cannot share', async () => {
    await expect(
      KernelThreads.start({
        memory: new WebAssembly.Memory({ initial: 1 }),
        modules,
        threads: 2,
        allocateStack,
        spawn: spawnNodeThread,
      }),
    ).rejects.toThrow(/not shared/);
  });
});

describe('looking before sleeping', () => {
  it('answers at once when the value has changed, and after SPIN_MS when it has not', () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    control[1] = 5;
    expect(unchangedAfterSpin(control, 1, 4)).toBe(false);
    const start = performance.now();
    expect(unchangedAfterSpin(control, 1, 5)).toBe(true);
    expect(performance.now() - start).toBeGreaterThanOrEqual(SPIN_MS);
  });

  it('sees a change another thread makes while it looks', async () => {
    const control = new Int32Array(new SharedArrayBuffer(8));
    const { Worker } = await import('node:worker_threads');
    // The other thread changes control[1] as soon as it starts; this one looks until it does.
    const worker = new Worker(
      'const { workerData } = require("node:worker_threads"); Atomics.store(new Int32Array(workerData), 1, 1);',
      { eval: true, workerData: control.buffer },
    );
    let unchanged = true;
    for (let tries = 0; unchanged && tries < 100_000; tries++)
      unchanged = unchangedAfterSpin(control, 1, 0);
    expect(unchanged).toBe(false);
    await worker.terminate();
  });
});
