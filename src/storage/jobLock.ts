/**
 * One writing job at a time across the app's tabs (Web Locks): adding files, masking, training,
 * evaluating, importing and deleting each take the origin-wide lock `lesion-lab/job` if it is free;
 * a tab that finds it taken refuses with a message naming the other tab's job and when it started.
 * While a job runs, its tab also holds a lock whose name describes it, which other tabs read with
 * `navigator.locks.query()`. Jobs of one tab share its hold (a tab may add files while it trains,
 * as ever); the browser releases a closed or crashed tab's locks. Where the browser has no Web
 * Locks, jobs run as before. Page side only.
 */

const LOCK = 'lesion-lab/job';
const ABOUT = 'lesion-lab/job-about/';
/** How a refusal starts (the page tells these errors by it). */
export const BUSY = 'Another Lesion Lab tab is';

export class JobBusyError extends Error {
  override name = 'JobBusyError';
}

/** What a running job tells other tabs. */
interface About {
  /** e.g. "training the SegNet". */
  job: string;
  /** Epoch milliseconds. */
  startedAt: number;
}

/** This tab's hold on the lock: the jobs running under it, and how to let it go. */
let hold: { jobs: number; release: () => void } | null = null;
/** A request for the lock in flight, so that two jobs starting at once ask only once. */
let asking: Promise<boolean> | null = null;
let serial = 0;

function locks(): LockManager | null {
  return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks : null;
}

/**
 * Runs `work` as the job `job` (in words, e.g. "training the SegNet") once this tab holds the lock;
 * rejects with a JobBusyError, without running it, while another tab holds it.
 */
export async function withJobLock<T>(job: string, work: () => Promise<T>): Promise<T> {
  const manager = locks();
  if (!manager) return work();
  if (!(await enter(manager))) throw new JobBusyError(await busyMessage(manager));
  const stopAnnouncing = announce(manager, { job, startedAt: Date.now() });
  try {
    return await work();
  } finally {
    stopAnnouncing();
    leave();
  }
}

async function enter(manager: LockManager): Promise<boolean> {
  while (asking) await asking;
  if (hold) {
    hold.jobs++;
    return true;
  }
  asking = new Promise<boolean>((resolve, reject) => {
    manager
      .request(LOCK, { ifAvailable: true }, (lock) => {
        if (!lock) {
          resolve(false);
          return undefined;
        }
        // Held until the last job of this tab ends.
        return new Promise<void>((release) => {
          hold = { jobs: 1, release };
          resolve(true);
        });
      })
      .catch(reject);
  });
  try {
    return await asking;
  } finally {
    asking = null;
  }
}

function leave(): void {
  if (!hold) return;
  hold.jobs--;
  if (hold.jobs === 0) {
    hold.release();
    hold = null;
  }
}

/** Holds a lock named for the job until the returned function is called. */
function announce(manager: LockManager, about: About): () => void {
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const name = `${ABOUT}${serial++}/${JSON.stringify(about)}`;
  manager.request(name, { ifAvailable: true }, () => stopped).catch(() => undefined);
  return stop;
}

/** What the other tabs are doing, from the names of the locks they hold. */
async function busyMessage(manager: LockManager): Promise<string> {
  const { held = [] } = await manager.query();
  const jobs = held
    .map((lock) => lock.name ?? '')
    .filter((name) => name.startsWith(ABOUT))
    .map((name) => parse(name.slice(name.indexOf('/', ABOUT.length) + 1)))
    .filter((about): about is About => about !== null)
    .map((about) => `${about.job} (started ${clock(about.startedAt)})`);
  const what =
    jobs.length > 0 ? jobs.join(' and ') : "running a job that writes to this browser's storage";
  return `${BUSY} ${what}; wait for it or stop it there.`;
}

function parse(text: string): About | null {
  try {
    const about = JSON.parse(text) as Partial<About>;
    return typeof about.job === 'string' && typeof about.startedAt === 'number'
      ? { job: about.job, startedAt: about.startedAt }
      : null;
  } catch {
    return null;
  }
}

function clock(time: number): string {
  return new Date(time).toLocaleTimeString([], {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
}
