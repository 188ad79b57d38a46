import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DOCUMENT_POLICY,
  HEADER_POLICY,
  precacheOf,
  serviceWorkerScript,
} from './offline-build.ts';

const dirs: string[] = [];

function build(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'offline-build-'));
  dirs.push(dir);
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const FILES = {
  'index.html': '<!doctype html>',
  'assets/index-abc.js': 'console.log(1)',
  'assets/tfjs-backend-wasm-def.wasm': '\0asm',
  'manifest.webmanifest': '{}',
  'demo/index.json': '{"files":[]}',
  'demo/ISIC-2017_Training_Data/ISIC_0000000.jpg': 'jpeg',
  'sw.js': 'old worker',
};

describe('precacheOf', () => {
  it('lists every file of the build but the demo dataset and the worker itself, sorted', () => {
    const precache = precacheOf(build(FILES));
    expect(precache.files).toEqual([
      { path: 'assets/index-abc.js', bytes: 14 },
      { path: 'assets/tfjs-backend-wasm-def.wasm', bytes: 4 },
      { path: 'index.html', bytes: 15 },
      { path: 'manifest.webmanifest', bytes: 2 },
    ]);
    expect(precache.version).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives a new version when a file changes, and the same one for the same files', () => {
    const first = precacheOf(build(FILES)).version;
    expect(precacheOf(build(FILES)).version).toBe(first);
    expect(precacheOf(build({ ...FILES, 'index.html': '<!doctype html>!' })).version).not.toBe(
      first,
    );
    // The demo dataset is not part of the version: regenerating it installs no new cache.
    expect(precacheOf(build({ ...FILES, 'demo/index.json': '{}' })).version).toBe(first);
  });
});

describe('serviceWorkerScript', () => {
  it('is a classic script with the precache, the version and the headers in it', async () => {
    const source = readFileSync(
      join(import.meta.dirname, '..', 'src', 'offline', 'serviceWorker.ts'),
      'utf8',
    );
    const precache = precacheOf(build(FILES));
    const script = await serviceWorkerScript(source, precache);
    expect(script).not.toMatch(/^\s*(export|import)\b/m);
    expect(script).toContain(`const VERSION = "${precache.version}"`);
    expect(script).toContain('"assets/tfjs-backend-wasm-def.wasm"');
    expect(script).toContain('"Cross-Origin-Embedder-Policy":"require-corp"');
    // It parses as a script (a syntax error would throw here; nothing runs).
    expect(() => new Function(script)).not.toThrow();
  });
});

describe('the policies', () => {
  it('allow no other origin, no inline or evaluated JavaScript, and WebAssembly', () => {
    for (const policy of [DOCUMENT_POLICY, HEADER_POLICY]) {
      expect(policy).toContain("default-src 'self'");
      expect(policy).toContain("connect-src 'self';");
      expect(policy).toContain("'wasm-unsafe-eval'");
      expect(policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:|\*/);
    }
    // The page itself runs no script from a blob: URL; the backend's threads in workers do.
    expect(DOCUMENT_POLICY).toMatch(/script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    expect(HEADER_POLICY).toContain("frame-ancestors 'none'");
  });
});
