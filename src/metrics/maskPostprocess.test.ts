import { describe, expect, it } from 'vitest';
import { fillHoles, largestComponent, postprocess, threshold } from './maskPostprocess.ts';

/** A mask from rows of '#' (lesion) and '.' (background). */
function grid(...rows: string[]): Uint8Array {
  return Uint8Array.from(rows.join(''), (c) => (c === '#' ? 255 : 0));
}

describe('mask post-processing', () => {
  it('thresholds probabilities at 0.5', () => {
    expect(Array.from(threshold([0.49, 0.5, 0.9, 0]))).toEqual([0, 255, 255, 0]);
  });

  it('keeps the largest 8-connected component', () => {
    const mask = grid(
      '##....', //
      '##...#',
      '..#..#',
      '......',
      '#.....',
    );
    // The 2x2 block and the diagonal pixel touch corners: one component of 5.
    expect(largestComponent(mask, 6, 5)).toEqual(
      grid('##....', '##....', '..#...', '......', '......'),
    );
    expect(largestComponent(grid('....'), 4, 1)).toEqual(grid('....'));
  });

  it('fills holes but not bays open to the border', () => {
    const ring = grid(
      '.....', //
      '.###.',
      '.#.#.',
      '.###.',
      '.....',
    );
    expect(fillHoles(ring, 5, 5)).toEqual(grid('.....', '.###.', '.###.', '.###.', '.....'));
    const bay = grid('###', '#..', '###');
    expect(fillHoles(bay, 3, 3)).toEqual(bay);
  });

  it('chains threshold, largest component and hole filling', () => {
    // 5x5: a ring with a hole at (1,1), and a stray pixel at (4,4) that touches nothing.
    const rows = ['###..', '#.#..', '###..', '.....', '....#'];
    const p = rows
      .join('')
      .split('')
      .map((c, i) => (c === '#' ? 0.6 + (i % 4) / 10 : 0.3));
    expect(postprocess(p, 5, 5)).toEqual(grid('###..', '###..', '###..', '.....', '.....'));
  });
});
