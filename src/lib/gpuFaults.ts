/**
 * WebGPU reports an out-of-memory or a lost device out of band: an allocation that fails raises an
 * `uncapturederror` on the device, and a lost device resolves `device.lost`, while tfjs goes on
 * computing garbage. This watches the device tfjs uses and keeps the first fault, so that the
 * training loop can end the run with the cause instead of training on NaNs or hanging.
 */

export interface GpuFault {
  kind: 'out-of-memory' | 'device-lost' | 'validation';
  message: string;
}

let fault: GpuFault | null = null;
const watched = new WeakSet<GPUDevice>();

export function watchDevice(device: GPUDevice): void {
  if (watched.has(device)) return;
  watched.add(device);
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    fault ??= {
      kind: error instanceof GPUOutOfMemoryError ? 'out-of-memory' : 'validation',
      message: error.message,
    };
  });
  void device.lost.then((info) => {
    fault ??= { kind: 'device-lost', message: info.message || String(info.reason) };
  });
}

/** The first fault since the last call, and forgets it. */
export function takeGpuFault(): GpuFault | null {
  const found = fault;
  fault = null;
  return found;
}
