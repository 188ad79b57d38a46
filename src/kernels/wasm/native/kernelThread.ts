/**
 * One helper thread of the project's WebAssembly kernels (threads.ts starts them): it instantiates
 * every kernel module on tfjs-backend-wasm's shared memory, with a stack of its own, then sleeps on
 * the control block until the caller posts a call, runs its part of it, and says it is done.
 * Shared by the browser's worker entry (kernelThread.worker.ts) and the unit tests' Node threads.
 *
 * The control block, an Int32Array over a SharedArrayBuffer (indices below): the caller writes the
 * call (function, parts, arguments), sets PENDING to the number of helpers, bumps GENERATION and
 * wakes them; each helper whose index is below `parts` runs `f(...arguments, index, parts)`; every
 * helper, whether it ran a part or not, decrements PENDING, so that no helper can lag a call behind.
 */

/** Indices into the control block. */
export const GENERATION = 0;
export const PENDING = 1;
export const READY = 2;
export const FAILED = 3;
export const FUNCTION = 4;
export const PARTS = 5;
export const ARGUMENT_COUNT = 6;
export const ARGUMENTS = 8;
export const MAX_ARGUMENTS = 32;
export const CONTROL_INTS = ARGUMENTS + MAX_ARGUMENTS;

/** How long a thread sleeps before it looks again, whether or not it was woken. */
export const WAIT_SLICE_MS = 20;

/**
 * How long a thread looks for the next call (or the caller for its helpers' parts) before it
 * sleeps: a training step's kernel calls come a few tens of microseconds apart, and waking a
 * sleeping thread costs about as much again.
 */
export const SPIN_MS = 0.2;

/** Whether control[index] still holds `value` after looking for up to SPIN_MS. */
export function unchangedAfterSpin(control: Int32Array, index: number, value: number): boolean {
  const until = performance.now() + SPIN_MS;
  for (;;) {
    for (let i = 0; i < 64; i++) if (Atomics.load(control, index) !== value) return false;
    if (performance.now() >= until) return true;
  }
}

/** A function's number in a call: its module's index in the list, then its export's index. */
export const FUNCTIONS_PER_MODULE = 256;

export interface KernelThreadInit {
  memory: WebAssembly.Memory;
  /** The kernel modules, compiled for shared memory, in the caller's order. */
  modules: WebAssembly.Module[];
  /** The top of this thread's stack for each module (the caller allocates them). */
  stackTops: number[];
  control: SharedArrayBuffer;
  /** 1 for the first helper: the caller itself runs part 0. */
  index: number;
}

const functionNames = new WeakMap<WebAssembly.Module, string[]>();

/**
 * The functions a module exports, in the order both sides number them; read once per module (the
 * caller looks a name up on every call).
 */
export function exportedFunctions(module: WebAssembly.Module): string[] {
  let names = functionNames.get(module);
  if (!names) {
    names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    functionNames.set(module, names);
  }
  return names;
}

/** Serves calls until the thread is terminated. */
export function serveKernelThread(init: KernelThreadInit): void {
  const control = new Int32Array(init.control);
  const functions = init.modules.map((module, m) => {
    const instance = new WebAssembly.Instance(module, { env: { memory: init.memory } });
    const stackPointer = instance.exports.__stack_pointer as WebAssembly.Global;
    stackPointer.value = init.stackTops[m];
    return exportedFunctions(module).map(
      (name) => instance.exports[name] as (...args: number[]) => void,
    );
  });
  let seen = Atomics.load(control, GENERATION);
  Atomics.add(control, READY, 1);
  Atomics.notify(control, READY);
  for (;;) {
    // Waits in slices, looking at the generation between them: a wake-up lost while the thread
    // was interrupted (Chromium once left a helper asleep on a call it had been woken for, and
    // the caller waiting on it, mid-training) costs one slice instead of the run.
    if (unchangedAfterSpin(control, GENERATION, seen)) {
      while (Atomics.load(control, GENERATION) === seen) {
        Atomics.wait(control, GENERATION, seen, WAIT_SLICE_MS);
      }
    }
    seen = Atomics.load(control, GENERATION);
    const parts = control[PARTS] ?? 1;
    if (init.index < parts) {
      const id = control[FUNCTION] ?? 0;
      const run = functions[Math.floor(id / FUNCTIONS_PER_MODULE)]?.[id % FUNCTIONS_PER_MODULE];
      const args = Array.from(
        control.subarray(ARGUMENTS, ARGUMENTS + (control[ARGUMENT_COUNT] ?? 0)),
      );
      try {
        if (!run) throw new Error(`no kernel function ${id}`);
        run(...args, init.index, parts);
      } catch {
        Atomics.add(control, FAILED, 1);
      }
    }
    if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
  }
}
