/**
 * Writes decoded records to IndexedDB in batches, beside the decoding rather than in its way:
 * decoders hand records over and go on, and wait only when two batches are already queued (which
 * bounds memory). `onStored` runs once a batch is committed, so the manifest only ever lists
 * records that are stored. The first write failure (a full disk) is rethrown to the decoders.
 */
import {
  putBatch,
  thumbKey,
  type ImageRecord,
  type MaskRecord,
  type RecordKind,
} from '../storage.ts';

/** Records per transaction: large enough to amortise a commit, small enough to lose little. */
const BATCH = 8;

export interface Decoded<T> {
  kind: RecordKind;
  record: ImageRecord | MaskRecord;
  /** The thumbnail, or its encoding still under way. */
  thumb: Blob | Uint8Array | Promise<Blob>;
  /** Passed back to `onStored`. */
  meta: T;
}

export class BatchWriter<T> {
  private pending: Decoded<T>[] = [];
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown = null;

  constructor(private readonly onStored: (item: Decoded<T>) => void) {}

  async add(item: Decoded<T>): Promise<void> {
    if (this.failure) throw this.failure;
    this.pending.push(item);
    if (this.pending.length >= BATCH) {
      this.enqueue();
      if (this.queued > 1) await this.chain;
      if (this.failure) throw this.failure;
    }
  }

  /** Writes what is left and waits for every batch. */
  async close(): Promise<void> {
    this.enqueue();
    await this.chain;
    if (this.failure) throw this.failure;
  }

  private enqueue(): void {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.queued++;
    this.chain = this.chain
      .then(async () => {
        if (this.failure) return;
        for (const kind of ['images', 'masks'] as const) {
          const items = batch.filter((item) => item.kind === kind);
          if (items.length === 0) continue;
          await putBatch(
            kind,
            items.map((item) => item.record),
            await Promise.all(
              items.map(async (item): Promise<[string, Blob | Uint8Array]> => [
                thumbKey(kind, item.record.key),
                await item.thumb,
              ]),
            ),
          );
          items.forEach(this.onStored);
        }
      })
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .finally(() => {
        this.queued--;
      });
  }
}
