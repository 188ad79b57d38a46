/**
 * The page's side of backups: the backup worker (started on first use), and where an export goes.
 * No tfjs and no zip.js here: the page stays light until a backup is asked for.
 */
import { startedOnce, type RpcClient } from '../lib/rpc.ts';
import type { BackupApi, BackupProgress } from './protocol.ts';

export type BackupClient = RpcClient<BackupApi, BackupProgress>;

export const backupClient = startedOnce<BackupApi, BackupProgress>(
  'backup',
  () =>
    new Worker(new URL('./backup.worker.ts', import.meta.url), { type: 'module', name: 'backup' }),
);

/** The file name an export suggests: `lesion-lab-backup-2026-11-27.zip`. */
export function backupFileName(now = new Date()): string {
  const day = [now.getFullYear(), now.getMonth() + 1, now.getDate()]
    .map((n) => String(n).padStart(2, '0'))
    .join('-');
  return `lesion-lab-backup-${day}.zip`;
}

interface SaveFilePicker {
  showSaveFilePicker?: (options: {
    suggestedName: string;
    types: { description: string; accept: Record<string, string[]> }[];
  }) => Promise<FileSystemFileHandle>;
}

/**
 * Where to write an export: a file the person picks, streamed to disk (File System Access, in
 * Chromium), or null where the browser has no picker (the file is then built as a Blob and
 * downloaded). 'cancelled' when the person closed the picker. Call it straight from the click.
 */
export async function pickBackupFile(
  name: string,
): Promise<FileSystemFileHandle | null | 'cancelled'> {
  const scope = globalThis as SaveFilePicker;
  if (typeof scope.showSaveFilePicker !== 'function') return null;
  try {
    return await scope.showSaveFilePicker({
      suggestedName: name,
      types: [{ description: 'Lesion Lab backup', accept: { 'application/zip': ['.zip'] } }],
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') return 'cancelled';
    // A picker that is there but refuses (e.g. no user gesture, a policy): download instead.
    return null;
  }
}
