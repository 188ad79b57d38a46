/**
 * The engine's backward pass, freeing memory as it goes. tfjs-core 4.22's `gradients` keeps every
 * node's saved activations and every intermediate gradient until the whole backward pass ends, so a
 * training step holds the forward activations plus the gradient of every tensor on the tape at once:
 * DenseNet-121 at 224 px needs 1.47 GB per image, and at batch 4 outgrows WebAssembly's 4 GB heap.
 *
 * This `gradients` computes the same gradients over the same filtered tape, in the same order, with
 * the same checks, and frees as soon as nothing can read them any more:
 * - a node's output gradients, once the node has passed them on;
 * - a node's saved tensors (its own clones, kept for its gradient alone), once its gradient has run;
 * - gradients replaced by their sum with another.
 * Nothing is freed while it is still an entry of the gradient map (a gradient function may hand on
 * its dy as it is), a gradient asked for (`xs`), or a dy the caller passed in. Higher-order
 * gradients (nested tapes) keep their saved tensors, as the engine does.
 *
 * Installed on the engine by `registerTrainingKernels`. It uses the engine's own tape and scopes
 * (internals of tfjs-core 4.22, typed below); `leanGradients.test.ts` compares it with the stock
 * backward pass.
 */
import * as tf from '@tensorflow/tfjs';

type GradientThunks = Record<string, () => tf.Tensor>;

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => GradientThunks;
  saved?: tf.Tensor[];
}

type Gradients = (
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients?: boolean,
) => { value: tf.Tensor; grads: tf.Tensor[] };

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
  gradients: Gradients;
}

/**
 * The nodes on a path from xs to y, each with only its inputs that depend on xs: tfjs-core's
 * `getFilteredNodesXToY` (tape.ts), which the package does not export.
 */
function nodesFromXsToY(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromXs = new Set(xs.map((x) => x.id));
  const nodesFromXs = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((input) => fromXs.has(input.id))) {
      for (const output of node.outputs) fromXs.add(output.id);
      nodesFromXs.add(node.id);
    }
  }
  const leadToY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node && node.outputs.some((output) => leadToY.has(output.id))) {
      for (const input of Object.values(node.inputs)) leadToY.add(input.id);
      nodesToY.add(node.id);
    }
  }
  return tape
    .filter((node) => nodesFromXs.has(node.id) && nodesToY.has(node.id))
    .map((node) => ({
      ...node,
      inputs: Object.fromEntries(
        Object.entries(node.inputs).filter(([, input]) => fromXs.has(input.id)),
      ),
    }));
}

/** Gradients by tensor id, counting how many entries hold each gradient tensor. */
class GradientMap {
  private readonly byId = new Map<number, tf.Tensor>();
  private readonly holders = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  isHeld(tensor: tf.Tensor): boolean {
    return this.holders.has(tensor);
  }

  /** Sets an entry; a gradient it replaces is the caller's to free (it may be held elsewhere). */
  set(id: number, gradient: tf.Tensor): void {
    this.delete(id);
    this.byId.set(id, gradient);
    this.holders.set(gradient, (this.holders.get(gradient) ?? 0) + 1);
  }

  /** Removes an entry; returns its gradient, which may still be held by other entries. */
  delete(id: number): tf.Tensor | undefined {
    const gradient = this.byId.get(id);
    if (!gradient) return undefined;
    this.byId.delete(id);
    const count = (this.holders.get(gradient) ?? 1) - 1;
    if (count > 0) this.holders.set(gradient, count);
    else this.holders.delete(gradient);
    return gradient;
  }
}

function checkGradient(node: TapeNode, name: string, dx: tf.Tensor, x: tf.Tensor): void {
  if (dx.dtype !== 'float32') {
    throw new Error(
      `Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have ` +
        `'float32' dtype, but has '${dx.dtype}'`,
    );
  }
  if (!tf.util.arraysEqual(dx.shape, x.shape)) {
    throw new Error(
      `Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape ` +
        `'${dx.shape}', which does not match the shape of the input '${x.shape}'`,
    );
  }
}

function backpropagate(
  engine: EngineInternals,
  map: GradientMap,
  tape: TapeNode[],
  keep: Set<tf.Tensor>,
  keepIds: Set<number>,
): void {
  const freeSaved = engine.state.gradientDepth === 0;
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (!node) continue;
    if (!node.gradient) {
      throw new Error(
        `Cannot compute gradient: gradient function not found for ${node.kernelName}.`,
      );
    }
    const thunks = node.gradient(node.outputs.map((output) => map.get(output.id) ?? null));
    const released: tf.Tensor[] = [];
    for (const [name, x] of Object.entries(node.inputs)) {
      const thunk = thunks[name];
      if (!thunk) {
        throw new Error(
          `Cannot backprop through input ${name}. ` +
            `Available gradients found: ${Object.keys(thunks).join(',')}.`,
        );
      }
      const dx = engine.tidy('gradient', thunk);
      checkGradient(node, name, dx, x);
      const current = map.get(x.id);
      if (current) {
        map.set(x.id, tf.add(current, dx));
        released.push(current, dx);
      } else {
        map.set(x.id, dx);
      }
    }
    for (const output of node.outputs) {
      if (keepIds.has(output.id)) continue;
      const gradient = map.delete(output.id);
      if (gradient) released.push(gradient);
    }
    if (freeSaved) released.push(...(node.saved ?? []));
    for (const tensor of released) {
      if (!map.isHeld(tensor) && !keep.has(tensor)) tensor.dispose();
    }
  }
}

function leanGradients(
  this: EngineInternals,
  f: () => tf.Tensor,
  xs: tf.Tensor[],
  dy?: tf.Tensor,
  allowNoGradients = false,
): { value: tf.Tensor; grads: tf.Tensor[] } {
  tf.util.assert(xs.length > 0, () => 'gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') {
    throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  }
  const y = this.scopedRun(
    () => this.startTape(),
    () => this.endTape(),
    () => this.tidy('forward', f),
  );
  tf.util.assert(y instanceof tf.Tensor, () => 'The result y returned by f() must be a tensor.');
  const tape = this.state.activeTape ?? [];
  const filtered = nodesFromXsToY(tape, xs, y);
  if (!allowNoGradients && filtered.length === 0 && xs.length > 0) {
    throw new Error(
      'Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed ' +
        'encloses all operations that lead from x to y.',
    );
  }
  return this.tidy('backward', () => {
    const map = new GradientMap();
    map.set(y.id, dy ?? tf.ones(y.shape));
    backpropagate(this, map, filtered, new Set(dy ? [dy] : []), new Set(xs.map((x) => x.id)));
    const grads = xs.map((x) => map.get(x.id)) as tf.Tensor[];
    if (this.state.gradientDepth === 0) {
      for (const node of tape) for (const tensor of node.saved ?? []) tensor.dispose();
      this.state.activeTape = null;
    }
    return { value: y, grads };
  });
}

const stock = (tf.engine() as unknown as EngineInternals).gradients;

/** Puts the lean backward pass on the engine (`lean`) or the stock one back; idempotent. */
export function setLeanGradients(lean = true): void {
  (tf.engine() as unknown as EngineInternals).gradients = lean ? leanGradients : stock;
}
