/**
 * Counts the compute dispatches this worker records on WebGPU, tfjs's and the engine's alike, so
 * that the training loop can say how many a step took (the Performance panel's figure). The count
 * is one increment per dispatch; it starts when `countDispatches` is first called on a browser
 * with WebGPU.
 */
let dispatches = 0;
let counting = false;

/** Starts counting (once); false where the browser has no WebGPU. */
export function countDispatches(): boolean {
  if (counting) return true;
  if (typeof GPUComputePassEncoder === 'undefined') return false;
  const prototype = GPUComputePassEncoder.prototype;
  const dispatch = prototype.dispatchWorkgroups;
  prototype.dispatchWorkgroups = function (this: GPUComputePassEncoder, ...args) {
    dispatches++;
    return dispatch.apply(this, args);
  };
  counting = true;
  return true;
}

/** Dispatches recorded since counting started. */
export const dispatchesSoFar = (): number => dispatches;
