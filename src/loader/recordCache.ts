/**
 * Stored records kept in memory for the rest of a training run, up to a byte budget, least
 * recently used out first. Every epoch reads the same records again; from IndexedDB that costs
 * about 3 ms per 256 px photo and mask here, which on WebAssembly (where reading and training share
 * one thread) halved the quick SegNet's training speed. Records are immutable while a run reads
 * them (the compute worker runs one job at a time), so a cached copy is the stored one.
 */

interface Sized {
  pixels: Uint8Array;
}

/** Enough for the quick presets' and ISIC 2017's training photos and masks at 256 px. */
export const DEFAULT_BUDGET_BYTES = 512 * 1024 * 1024;

export class RecordCache<T extends Sized> {
  private readonly entries = new Map<string, T>();
  private bytes = 0;
  /** Records served from memory, and records read from storage. */
  hits = 0;
  misses = 0;

  constructor(
    private readonly read: (keys: string[]) => Promise<(T | undefined)[]>,
    private readonly budgetBytes = DEFAULT_BUDGET_BYTES,
  ) {}

  /**
   * The records of the keys, as `read` gives them, from memory where it can. Every record is taken
   * into the answer before any is evicted, so a batch larger than the budget still gets all of its
   * records (the cache then keeps the most recent it can hold).
   */
  async get(keys: string[]): Promise<(T | undefined)[]> {
    const answer = new Map<string, T | undefined>();
    const missing: string[] = [];
    for (const key of keys) {
      if (answer.has(key)) {
        this.hits++;
        continue;
      }
      const cached = this.entries.get(key);
      if (cached) {
        this.hits++;
        answer.set(key, cached);
        // Most recently used last.
        this.entries.delete(key);
        this.entries.set(key, cached);
      } else {
        this.misses++;
        answer.set(key, undefined);
        missing.push(key);
      }
    }
    if (missing.length > 0) {
      const fetched = await this.read(missing);
      missing.forEach((key, i) => {
        const record = fetched[i];
        answer.set(key, record);
        if (record) this.keep(key, record);
      });
    }
    return keys.map((key) => answer.get(key));
  }

  get size(): number {
    return this.bytes;
  }

  private keep(key: string, record: T): void {
    const bytes = record.pixels.byteLength;
    if (bytes > this.budgetBytes || this.entries.has(key)) return;
    this.entries.set(key, record);
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.pixels.byteLength;
    }
  }
}
