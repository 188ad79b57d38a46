/**
 * Where a step's GPU time goes: the recorded dispatches run once more, each in a compute pass of
 * its own between two timestamps. For benchmarks and tuning: it needs the device's
 * `timestamp-query` feature, and the weights take one more update.
 */
import type { Dispatch } from './gpu.ts';

export interface DispatchTime {
  /** The dispatch's label: its kernel, then the layer ("filterGradient conv2_block1_2_conv"). */
  label: string;
  ms: number;
}

export async function timeDispatches(
  device: GPUDevice,
  dispatches: readonly Dispatch[],
): Promise<DispatchTime[]> {
  if (!device.features.has('timestamp-query')) {
    throw new Error("This adapter gives the engine no 'timestamp-query' to time its kernels with");
  }
  const count = dispatches.length * 2;
  const querySet = device.createQuerySet({ type: 'timestamp', count });
  const resolved = device.createBuffer({
    size: count * 8,
    usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
  });
  const read = device.createBuffer({
    size: count * 8,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder({ label: 'timed training step' });
    dispatches.forEach((d, i) => {
      const pass = encoder.beginComputePass({
        label: d.label,
        timestampWrites: {
          querySet,
          beginningOfPassWriteIndex: 2 * i,
          endOfPassWriteIndex: 2 * i + 1,
        },
      });
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
    });
    encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, read, 0, count * 8);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return dispatches.map((d, i) => ({
      label: d.label,
      ms: Number((stamps[2 * i + 1] as bigint) - (stamps[2 * i] as bigint)) / 1e6,
    }));
  } finally {
    querySet.destroy();
    resolved.destroy();
    read.destroy();
  }
}

/** Milliseconds by kernel (the label's first word), largest first. */
export function timeByKernel(times: readonly DispatchTime[]): [string, number][] {
  const sums = new Map<string, number>();
  for (const { label, ms } of times) {
    const kernel = label.split(' ')[0] as string;
    sums.set(kernel, (sums.get(kernel) ?? 0) + ms);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}
