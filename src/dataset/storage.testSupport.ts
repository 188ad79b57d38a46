/** For tests: a dataset's manifest and masked images stored as masking with the ground truth would. */
import type { DatasetManifest } from './manifest.ts';
import { putMasked, saveManifest, saveMaskingSummary } from './storage.ts';

/**
 * Stores `manifest`, its masked images and a summary of masking with the ground-truth masks (no
 * per-image figures), so that training and evaluation read them as the current masks.
 */
export async function storeTruthMasked(
  manifest: DatasetManifest,
  masked: Parameters<typeof putMasked>[0],
): Promise<void> {
  await saveManifest(manifest);
  await putMasked(masked);
  await saveMaskingSummary({
    source: { kind: 'truth' },
    epoch: null,
    datasetId: manifest.datasetId,
    datasetRevision: manifest.revision,
    createdAt: new Date(0).toISOString(),
    images: [],
  });
}
