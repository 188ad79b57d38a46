/**
 * The real-data folder beside the repository, for `npm run test:real` and the benchmarks only:
 * `SHARED_DATA`, or `../shared` next to the checkout. A plain clone has none, and `npm test`
 * never reads it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const SHARED_DATA = resolve(process.env.SHARED_DATA ?? join(root, '..', 'shared'));

/** A folder of the real data, or an error that says where it was looked for. */
export function sharedData(folder: string): string {
  const path = join(SHARED_DATA, folder);
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the real-data checks need ${folder}/ in the folder SHARED_DATA names ` +
        `(now ${SHARED_DATA}).`,
    );
  }
  return path;
}

export function hasSharedData(folder: string): boolean {
  return existsSync(join(SHARED_DATA, folder));
}
