/** Writes a generated dataset to disk, replacing what was there, as a folder or as one zip. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js';
import { generateIsic2017, type GeneratedFile, type SyntheticIsicOptions } from './isic2017.ts';

export function writeDataset(
  dir: string,
  options: SyntheticIsicOptions,
): { files: number; bytes: number; paths: string[] } {
  return writeFiles(dir, generateIsic2017(options));
}

export function writeFiles(
  dir: string,
  files: readonly GeneratedFile[],
): { files: number; bytes: number; paths: string[] } {
  rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  for (const file of files) {
    const target = join(dir, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.bytes);
    bytes += file.bytes.length;
  }
  return { files: files.length, bytes, paths: files.map((f) => f.path) };
}

/** A fixed time for every entry, so the same files always give the same zip bytes. */
const ZIP_DATE = new Date(Date.UTC(2025, 0, 1));

export interface ZipOptions {
  /** Force ZIP64 records on every entry and at the end, as a zip over 4 GiB needs them. */
  zip64?: boolean;
}

/** The files as one zip, entries in the given order at the paths given (no top folder). */
export async function zipFiles(
  files: readonly GeneratedFile[],
  options: ZipOptions = {},
): Promise<Uint8Array> {
  const writer = new ZipWriter(new Uint8ArrayWriter(), {
    lastModDate: ZIP_DATE,
    extendedTimestamp: false,
    useWebWorkers: false,
    ...(options.zip64 ? { zip64: true } : {}),
  });
  for (const file of files) await writer.add(file.path, new Uint8ArrayReader(file.bytes));
  return writer.close();
}

export async function writeZip(
  path: string,
  files: readonly GeneratedFile[],
  options: ZipOptions = {},
): Promise<number> {
  const bytes = await zipFiles(files, options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return bytes.length;
}
