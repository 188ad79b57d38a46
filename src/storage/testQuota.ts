/**
 * A full disk for tests on fake-indexeddb: after `writes` more successful `put`s, every `put`
 * (through idb-keyval, tfjs's handler or our own) throws the DOMException a browser gives when the
 * quota is reached, until `restore` is called. With `stores`, only puts into those object stores
 * count and fail (a disk with room for small records but not for a model).
 */
import { vi } from 'vitest';

export interface FullDisk {
  /** Puts attempted since the disk was armed (those that threw included). */
  readonly puts: number;
  restore: () => void;
}

export function fillDiskAfter(writes: number, stores?: readonly string[]): FullDisk {
  const put = IDBObjectStore.prototype.put;
  let puts = 0;
  const spy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
    this: IDBObjectStore,
    ...args: Parameters<IDBObjectStore['put']>
  ) {
    if (stores && !stores.includes(this.name)) return put.apply(this, args);
    puts++;
    if (puts > writes) {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    }
    return put.apply(this, args);
  });
  return {
    get puts() {
      return puts;
    },
    restore: () => spy.mockRestore(),
  };
}
