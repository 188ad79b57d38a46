/** The backup worker's API: export and import the whole of the app's data, off the main thread. */
import type { ExportProgress } from './exportBackup.ts';
import type { BackupHeader } from './format.ts';
import type { ImportProgress } from './importBackup.ts';

export type BackupProgress = ExportProgress | ImportProgress;

export interface ExportResult {
  header: BackupHeader;
  /** The file, when it was built in memory (no `handle` given); null when written to `handle`. */
  blob: Blob | null;
  /** The zip's size. */
  bytes: number;
  seconds: number;
}

export type BackupApi = {
  /** Writes the backup to the file the person picked, or builds it as a Blob to download. */
  export: { params: { handle: FileSystemFileHandle | null }; result: ExportResult };
  /**
   * Reads and checks a backup, writing nothing; the worker keeps the checked file under `token`
   * for `restore`.
   */
  check: {
    params: { file: File };
    result: { token: number; header: BackupHeader; seconds: number };
  };
  /** Replaces the app's data in this browser with the checked backup. */
  restore: {
    params: { token: number };
    result: { records: number; bytes: number; seconds: number };
  };
  /** Stops a running export or check (a restore, once writing, runs to its end). */
  cancel: { params: Record<string, never>; result: null };
  /** Forgets a checked backup the person chose not to import. */
  forget: { params: { token: number }; result: null };
};
