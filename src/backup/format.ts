/**
 * The backup file: one zip (zip.js) holding
 *
 *   stores/<section>/<n>.bin   the records of one section (sections.ts), a few MB a chunk, numbered
 *                              from 000000, in the chunk encoding of codec.ts; deflated for masks,
 *                              manifest and run records, stored as they are otherwise
 *   lesion-lab-backup.json     the header, written last (its counts are known at the end): format,
 *                              version, app version, date, and per section its records, bytes (the
 *                              chunks' total size) and chunk count
 *
 * An import reads the header first and refuses a file without one, of another format, or of a
 * newer format version; then every chunk is checked (CRC-32, decoding, counts) before anything is
 * written.
 */

export const BACKUP_FORMAT = 'lesion-lab-backup';
/** Bumped when a change would make an older app misread a backup; older versions are still read. */
export const BACKUP_FORMAT_VERSION = 1;
export const HEADER_NAME = 'lesion-lab-backup.json';

export interface SectionHeader {
  database: string;
  objectStore: string;
  records: number;
  /** The chunks' total size (uncompressed). */
  bytes: number;
  chunks: number;
}

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  formatVersion: number;
  appVersion: string;
  /** ISO date and time the export finished reading. */
  createdAt: string;
  chunkEncoding: string;
  sections: Record<string, SectionHeader>;
  totals: { records: number; bytes: number };
  /** What the person sees before replacing their data. */
  contents: { images: number; masks: number; runs: number; models: number };
}

export const chunkName = (section: string, index: number) =>
  `stores/${section}/${String(index).padStart(6, '0')}.bin`;

/** A refusal: the file is not a backup this app can read, or is damaged; nothing was changed. */
export class BackupRefused extends Error {
  override name = 'BackupRefused';
}

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Checks a header's text; a refusal says why it is not one this app can read. */
export function parseHeader(text: string, knownSection: (id: string) => boolean): BackupHeader {
  const foreign = (why: string) =>
    new BackupRefused(`This file is not a Lesion Lab backup: ${why}.`);
  let header: Partial<BackupHeader>;
  try {
    header = JSON.parse(text) as Partial<BackupHeader>;
  } catch {
    throw foreign(`its ${HEADER_NAME} is not JSON`);
  }
  if (typeof header !== 'object' || header === null || header.format !== BACKUP_FORMAT) {
    throw foreign(`its ${HEADER_NAME} names another format`);
  }
  if (!isCount(header.formatVersion) || header.formatVersion < 1) {
    throw foreign('its format version is not a number');
  }
  if (header.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupRefused(
      `This backup was made by a newer Lesion Lab (app ${String(header.appVersion)}, backup format ` +
        `${header.formatVersion}); this app (${__APP_VERSION__}) reads backup format ` +
        `${BACKUP_FORMAT_VERSION}. Open it with the newer version of the app.`,
    );
  }
  const damaged = (why: string) => new BackupRefused(`The backup's header is damaged: ${why}.`);
  if (typeof header.sections !== 'object' || header.sections === null) {
    throw damaged('it lists no stores');
  }
  for (const [id, section] of Object.entries(header.sections)) {
    if (!knownSection(id)) {
      throw new BackupRefused(
        `The backup holds a store this version of the app does not know ("${id}"); open it ` +
          'with the version that made it.',
      );
    }
    if (!isCount(section.records) || !isCount(section.bytes) || !isCount(section.chunks)) {
      throw damaged(`the counts of "${id}" are not numbers`);
    }
  }
  if (typeof header.createdAt !== 'string' || typeof header.appVersion !== 'string') {
    throw damaged('it has no date or app version');
  }
  const contents = header.contents;
  if (
    !contents ||
    ![contents.images, contents.masks, contents.runs, contents.models].every(isCount)
  ) {
    throw damaged('it does not say what it holds');
  }
  const sections = header.sections;
  const totals = {
    records: Object.values(sections).reduce((sum, s) => sum + s.records, 0),
    bytes: Object.values(sections).reduce((sum, s) => sum + s.bytes, 0),
  };
  return { ...(header as BackupHeader), totals };
}
