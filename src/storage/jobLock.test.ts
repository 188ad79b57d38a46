import { afterEach, describe, expect, it, vi } from 'vitest';

/** The Web Locks API of one origin, for the tabs of a test: exclusive locks, `ifAvailable`, `query`. */
class FakeLocks {
  private held = new Map<string, number>();
  private clients = 0;

  /** A tab's `navigator.locks`. */
  tab(): LockManager {
    const clientId = `tab-${this.clients++}`;
    const request = async (
      name: string,
      options: LockOptions,
      callback: (lock: Lock | null) => unknown,
    ): Promise<unknown> => {
      expect(options.ifAvailable).toBe(true);
      if (this.held.has(name)) return callback(null);
      this.held.set(name, this.clients);
      try {
        return await callback({ name, mode: 'exclusive' } as Lock);
      } finally {
        this.held.delete(name);
      }
    };
    const query = async (): Promise<LockManagerSnapshot> => ({
      held: [...this.held.keys()].map((name) => ({ name, mode: 'exclusive', clientId })),
      pending: [],
    });
    return { request, query } as unknown as LockManager;
  }

  get names(): string[] {
    return [...this.held.keys()];
  }
}

/** A fresh copy of the module, as another tab has it, with that tab's `navigator.locks`. */
async function openTab(locks: LockManager | undefined) {
  vi.resetModules();
  vi.stubGlobal('navigator', { locks });
  const module = await import('./jobLock.ts');
  return {
    ...module,
    /** Runs `withJobLock` with this tab's navigator. */
    run: <T>(job: string, work: () => Promise<T>) => {
      vi.stubGlobal('navigator', { locks });
      return module.withJobLock(job, work);
    },
  };
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the job lock', () => {
  it("refuses a second tab's job, naming the first tab's job, until that job ends", async () => {
    const locks = new FakeLocks();
    const a = await openTab(locks.tab());
    const b = await openTab(locks.tab());
    vi.setSystemTime(new Date(2026, 2, 1, 14, 2));
    const training = deferred();
    const first = a.run('training the SegNet', () => training.promise.then(() => 'trained'));
    await vi.waitFor(() => expect(locks.names).toHaveLength(2));
    vi.useRealTimers();

    let ran = false;
    const refused = b.run('adding files to the dataset', async () => {
      ran = true;
    });
    await expect(refused).rejects.toBeInstanceOf(b.JobBusyError);
    await expect(refused).rejects.toThrow(
      'Another Lesion Lab tab is training the SegNet (started 14:02); wait for it or stop it there.',
    );
    expect(ran).toBe(false);

    training.resolve();
    await expect(first).resolves.toBe('trained');
    expect(locks.names).toEqual([]);
    await expect(b.run('adding files to the dataset', async () => 'added')).resolves.toBe('added');
  });

  it("lets one tab's jobs run together, and holds the lock until the last one ends", async () => {
    const locks = new FakeLocks();
    const a = await openTab(locks.tab());
    const b = await openTab(locks.tab());
    const ingest = deferred();
    const training = deferred();
    const both = [
      a.run('adding files to the dataset', () => ingest.promise),
      a.run('training the SegNet', () => training.promise),
    ];
    await vi.waitFor(() => expect(locks.names).toHaveLength(3));
    ingest.resolve();
    await both[0];
    await expect(b.run('applying masks', async () => undefined)).rejects.toThrow(
      /Another Lesion Lab tab is training the SegNet \(started .*\); wait for it/,
    );
    training.resolve();
    await both[1];
    await expect(b.run('applying masks', async () => 'masked')).resolves.toBe('masked');
  });

  it('runs jobs as before where the browser has no Web Locks', async () => {
    const tab = await openTab(undefined);
    await expect(tab.run('training the SegNet', async () => 1)).resolves.toBe(1);
  });

  it('releases the lock when a job fails', async () => {
    const locks = new FakeLocks();
    const a = await openTab(locks.tab());
    await expect(
      a.run('applying masks', () => Promise.reject(new Error('the disk is full'))),
    ).rejects.toThrow('the disk is full');
    expect(locks.names).toEqual([]);
  });
});
