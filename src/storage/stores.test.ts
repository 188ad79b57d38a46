import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STORES, STORE_PREFIX } from './stores.ts';

describe('stores', () => {
  it('gives every store a database of its own under the prefix', () => {
    const databases = Object.values(STORES).map((s) => s.database);
    expect(new Set(databases).size).toBe(databases.length);
    for (const database of databases) expect(database.startsWith(`${STORE_PREFIX}/`)).toBe(true);
  });

  it('are each described in docs/storage.md', () => {
    const doc = readFileSync(new URL('../../docs/storage.md', import.meta.url), 'utf8');
    for (const { database } of Object.values(STORES)) expect(doc).toContain(`\`${database}\``);
  });
});
