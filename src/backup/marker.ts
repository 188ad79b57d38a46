/**
 * The mark an import leaves while it writes: in the datasets store, beside the manifest, from the
 * moment the old data is cleared until the last record is written. Found on a later visit, it
 * means the import was cut short (the tab closed, the browser stopped) and the data here is
 * incomplete. No zip.js here: the page reads it on every visit.
 */
import { get } from 'idb-keyval';
import { store } from '../storage/stores.ts';

export const IMPORT_MARKER_KEY = 'backup-import';

export interface ImportMarker {
  /** When the import started writing (ISO). */
  startedAt: string;
  /** When the backup was made (ISO), from its header. */
  backupCreatedAt: string;
}

/** The mark of an import that did not finish, if any. */
export async function interruptedImport(): Promise<ImportMarker | undefined> {
  return get<ImportMarker>(IMPORT_MARKER_KEY, store('datasets'));
}
