/** A helper thread of the project's WebAssembly kernels, in the browser (see kernelThread.ts). */
import { serveKernelThread, type KernelThreadInit } from './kernelThread.ts';

self.addEventListener('message', (event: MessageEvent<KernelThreadInit>) => {
  serveKernelThread(event.data);
});
