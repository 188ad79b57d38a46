import { describe, expect, it, vi } from 'vitest';
import { addProblem, clearProblemsOf, emptyManifest } from './manifest.ts';

describe('manifest problems', () => {
  it('lists a file and reason once, clears a file, and takes it again after', () => {
    const manifest = emptyManifest(64);
    manifest.problems.push({ file: 'a.jpg', reason: 'corrupt' });
    addProblem(manifest, { file: 'a.jpg', reason: 'corrupt' });
    addProblem(manifest, { file: 'a.jpg', reason: 'truncated' });
    addProblem(manifest, { file: 'b.jpg', reason: 'corrupt' });
    expect(manifest.problems).toEqual([
      { file: 'a.jpg', reason: 'corrupt' },
      { file: 'a.jpg', reason: 'truncated' },
      { file: 'b.jpg', reason: 'corrupt' },
    ]);
    clearProblemsOf(manifest, 'a.jpg');
    clearProblemsOf(manifest, 'c.jpg');
    expect(manifest.problems).toEqual([{ file: 'b.jpg', reason: 'corrupt' }]);
    addProblem(manifest, { file: 'a.jpg', reason: 'corrupt' });
    expect(manifest.problems).toHaveLength(2);
  });

  it('clears a file without problems without rescanning the list (30,000 files, 10,000 problems)', () => {
    const manifest = emptyManifest(64);
    for (let i = 0; i < 10_000; i++) addProblem(manifest, { file: `bad/${i}.txt`, reason: 'x' });
    const filter = vi.spyOn(manifest.problems, 'filter');
    for (let i = 0; i < 30_000; i++) clearProblemsOf(manifest, `good/${i}.jpg`);
    expect(filter).not.toHaveBeenCalled();
    expect(manifest.problems).toHaveLength(10_000);
  });
});
