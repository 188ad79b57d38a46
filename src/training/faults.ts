/**
 * What ended a run, in words a person can act on. A missing kernel, an out-of-memory, a lost GPU
 * device or a full disk each name their cause and the way out (a smaller batch, another backend,
 * space to free); the last checkpoint is always kept, so the run can resume.
 */
import { StorageFullError } from '../dataset/storage.ts';
import { BACKEND_LABELS, type BackendName } from '../pipeline/backends.ts';
import type { GpuFault } from '../lib/gpuFaults.ts';
import { errorText } from '../lib/errorText.ts';

export type FaultKind =
  'missing-kernel' | 'out-of-memory' | 'device-lost' | 'storage-full' | 'other';

export class TrainingFault extends Error {
  override name = 'TrainingFault';

  constructor(
    readonly kind: FaultKind,
    message: string,
  ) {
    super(message);
  }
}

const RESUME = 'The last finished epoch is kept: resume the run';

/** `batchSize`: the run's batch, so that an out-of-memory message can suggest a smaller one. */
export function explainFault(
  error: unknown,
  backend: BackendName,
  batchSize?: number,
): TrainingFault {
  if (error instanceof TrainingFault) return error;
  if (error instanceof StorageFullError) return new TrainingFault('storage-full', error.message);
  const label = BACKEND_LABELS[backend];
  const text = errorText(error);
  const kernel = /Kernel '([^']+)' not registered/.exec(text)?.[1];
  if (kernel) {
    return new TrainingFault(
      'missing-kernel',
      `The ${label} backend cannot train this model: it has no '${kernel}' kernel. ${RESUME} on another backend (WebGPU or WebGL).`,
    );
  }
  if (/out of memory|OutOfMemory|allocation failed|Failed to allocate|too large/i.test(text)) {
    return new TrainingFault(
      'out-of-memory',
      `The ${label} backend ran out of memory (${text}). ${
        batchSize !== undefined && batchSize > 1
          ? `Start a new run with a batch of ${Math.floor(batchSize / 2)} (now ${batchSize}) or a smaller preset`
          : `${RESUME} with a smaller preset`
      }, or close other tabs that use the GPU.`,
    );
  }
  if (/context lost|device (was |is )?lost|CONTEXT_LOST/i.test(text)) {
    return new TrainingFault(
      'device-lost',
      `The GPU device was lost (${text}). ${RESUME}; reload the page first, or choose another backend.`,
    );
  }
  return new TrainingFault('other', text);
}

export function gpuFaultError(
  fault: GpuFault,
  backend: BackendName,
  batchSize?: number,
): TrainingFault {
  if (fault.kind === 'out-of-memory') {
    return explainFault(new Error(`GPU out of memory: ${fault.message}`), backend, batchSize);
  }
  if (fault.kind === 'device-lost') {
    return explainFault(new Error(`device lost: ${fault.message}`), backend);
  }
  return new TrainingFault('other', `The GPU refused an operation: ${fault.message}`);
}
