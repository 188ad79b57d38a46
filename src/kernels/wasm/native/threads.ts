/**
 * The project's WebAssembly kernels on several threads. tfjs-backend-wasm's threaded build keeps
 * every tensor in one shared WebAssembly.Memory; helper threads (kernelThread.ts) instantiate the
 * same kernel modules on that memory, each with a stack of its own, and a call is split into parts:
 * the calling thread runs part 0 and helper k part k, each writing a disjoint share of the output
 * (the C kernels take `part, parts` as their last two arguments), then the caller waits for all of
 * them. No copies: every part reads the inputs where tfjs keeps them.
 *
 * The caller blocks in Atomics.wait, which a browser allows in workers (tfjs runs in the app's
 * compute worker) but not on a page's main thread, where calls stay on one thread.
 */
import {
  ARGUMENTS,
  ARGUMENT_COUNT,
  CONTROL_INTS,
  FAILED,
  FUNCTION,
  FUNCTIONS_PER_MODULE,
  GENERATION,
  MAX_ARGUMENTS,
  PARTS,
  PENDING,
  READY,
  exportedFunctions,
  unchangedAfterSpin,
  WAIT_SLICE_MS,
  type KernelThreadInit,
} from './kernelThread.ts';

/** What the pool needs of a thread: a browser Worker or Node's worker_threads Worker. */
export interface ThreadHandle {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

export type SpawnThread = () => ThreadHandle;

/** A helper thread in the browser. */
export const spawnBrowserThread: SpawnThread = () =>
  new Worker(new URL('./kernelThread.worker.ts', import.meta.url), {
    type: 'module',
    name: 'wasm kernel thread',
  });

/** Whether this thread may block in Atomics.wait (workers and Node may; a page's main thread not). */
export function canBlock(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

export interface StartOptions {
  memory: WebAssembly.Memory;
  /** The kernel modules, compiled for shared memory. */
  modules: WebAssembly.Module[];
  /** Threads in all, the caller's included. */
  threads: number;
  /** A stack for one helper's instance of a module: its top. */
  allocateStack: () => number;
  spawn: SpawnThread;
  /** How long the helpers may take to start. */
  timeoutMs?: number;
  /**
   * How long a call may wait for its helpers' parts before the pool counts a helper as lost (a
   * worker the browser stopped, say): the call runs the parts here, and later calls run on one
   * thread.
   */
  partTimeoutMs?: number;
}

/** A helper's part of one call taking longer than this means it is gone, not slow. */
const PART_TIMEOUT_MS = 30_000;

export class KernelThreads {
  private calls = 0;
  private lost = false;

  private constructor(
    private readonly control: Int32Array,
    private readonly helpers: ThreadHandle[],
    private readonly modules: WebAssembly.Module[],
    private readonly partTimeoutMs: number,
  ) {}

  /** Starts `threads - 1` helpers and resolves once every one is serving calls. */
  static async start(options: StartOptions): Promise<KernelThreads> {
    const { memory, modules, threads, allocateStack, spawn, timeoutMs = 20_000 } = options;
    const partTimeoutMs = options.partTimeoutMs ?? PART_TIMEOUT_MS;
    if (!(memory.buffer instanceof SharedArrayBuffer)) {
      throw new Error('the kernels’ memory is not shared (the page is not cross-origin isolated)');
    }
    const buffer = new SharedArrayBuffer(CONTROL_INTS * 4);
    const control = new Int32Array(buffer);
    const helpers: ThreadHandle[] = [];
    try {
      for (let index = 1; index < threads; index++) {
        const thread = spawn();
        helpers.push(thread);
        const init: KernelThreadInit = {
          memory,
          modules,
          stackTops: modules.map(() => allocateStack()),
          control: buffer,
          index,
        };
        thread.postMessage(init);
      }
      const deadline = performance.now() + timeoutMs;
      while (Atomics.load(control, READY) < helpers.length) {
        if (performance.now() > deadline) {
          throw new Error(
            `${helpers.length - Atomics.load(control, READY)} of ${helpers.length} kernel threads did not start within ${timeoutMs / 1000} s`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } catch (error) {
      for (const thread of helpers) void thread.terminate();
      throw error;
    }
    return new KernelThreads(control, helpers, modules, partTimeoutMs);
  }

  /** Threads in all, the caller's included: 1 once a helper was lost. */
  get threads(): number {
    return this.lost ? 1 : this.helpers.length + 1;
  }

  /** Calls split over several threads so far (for the tests and the benchmark). */
  get parallelCalls(): number {
    return this.calls;
  }

  /**
   * Runs `name` of `module` in `parts` parts (2 to `threads`): `local`, the caller's own instance
   * of that function, runs part 0 here. Throws if any part failed.
   */
  run(
    module: WebAssembly.Module,
    name: string,
    args: number[],
    parts: number,
    local: (...args: number[]) => void,
  ): void {
    const m = this.modules.indexOf(module);
    const f = m < 0 ? -1 : exportedFunctions(module).indexOf(name);
    if (f < 0) throw new Error(`The kernel threads have no function ${name}`);
    if (args.length > MAX_ARGUMENTS) throw new Error(`${name}: too many arguments for a thread`);
    if (!(parts >= 2 && parts <= this.threads)) throw new Error(`${name}: ${parts} parts`);
    const control = this.control;
    control[FUNCTION] = m * FUNCTIONS_PER_MODULE + f;
    control[PARTS] = parts;
    control[ARGUMENT_COUNT] = args.length;
    control.set(args, ARGUMENTS);
    Atomics.store(control, PENDING, this.helpers.length);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    this.calls += 1;
    let error: unknown;
    try {
      local(...args, 0, parts);
    } catch (e) {
      error = e;
    }
    // The helpers' parts end about when this one does: looked for before sleeping.
    for (let pending; (pending = Atomics.load(control, PENDING)) !== 0;) {
      if (unchangedAfterSpin(control, PENDING, pending)) break;
    }
    const deadline = performance.now() + this.partTimeoutMs;
    for (let pending; (pending = Atomics.load(control, PENDING)) !== 0;) {
      const left = deadline - performance.now();
      if (left <= 0) {
        // A helper stopped answering: the pool is given up, and the parts that may be missing
        // are run here (each part writes only its own share, the same values whoever runs it).
        this.lost = true;
        this.stop();
        console.error(
          `${name}: ${pending} kernel thread(s) did not answer in ${this.partTimeoutMs / 1000} s; the WebAssembly kernels go on on one thread`,
        );
        for (let part = 1; part < parts; part++) local(...args, part, parts);
        break;
      }
      Atomics.wait(control, PENDING, pending, Math.min(left, WAIT_SLICE_MS));
    }
    if (error !== undefined) throw error;
    const failed = Atomics.exchange(control, FAILED, 0);
    if (failed > 0) throw new Error(`${name} failed on ${failed} kernel thread(s)`);
  }

  stop(): void {
    for (const thread of this.helpers) void thread.terminate();
  }
}
