/** Writes a generated dataset to disk, replacing what was there. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateIsic2017, type SyntheticIsicOptions } from './isic2017.ts';

export function writeDataset(
  dir: string,
  options: SyntheticIsicOptions,
): { files: number; bytes: number; paths: string[] } {
  const files = generateIsic2017(options);
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
