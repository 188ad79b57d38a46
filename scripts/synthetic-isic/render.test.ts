import { describe, expect, it } from 'vitest';
import type { LesionClass } from '../../src/dataset/types.ts';
import { renderLesion } from './render.ts';

/** Mean over 12 seeds of the lesion's area fraction and of the share of blue-grey lesion pixels. */
function traits(lesionClass: LesionClass): { area: number; blueGrey: number } {
  let area = 0;
  let blueGrey = 0;
  const seeds = 12;
  for (let seed = 0; seed < seeds; seed++) {
    const { rgb, mask } = renderLesion(lesionClass, 96, 72, 1000 + seed);
    let inside = 0;
    let blue = 0;
    mask.forEach((m, i) => {
      if (m !== 255) return;
      inside++;
      if ((rgb[i * 3 + 2] as number) > (rgb[i * 3] as number) + 8) blue++;
    });
    area += inside / mask.length / seeds;
    blueGrey += blue / Math.max(1, inside) / seeds;
  }
  return { area, blueGrey };
}

describe('synthetic lesion renderer', () => {
  it('draws classes that differ the way real lesions do', () => {
    const nevus = traits('nevus');
    const sk = traits('seborrheic_keratosis');
    const melanoma = traits('melanoma');
    // Diameter: melanoma largest, nevus smallest.
    expect(melanoma.area).toBeGreaterThan(sk.area);
    expect(sk.area).toBeGreaterThan(nevus.area);
    // Colour: only melanoma shows blue-grey (blue above red) pigment.
    expect(melanoma.blueGrey).toBeGreaterThan(0.05);
    expect(nevus.blueGrey).toBeLessThan(0.01);
    expect(sk.blueGrey).toBeLessThan(0.01);
  });

  it('keeps the mask binary and the lesion inside the frame centre', () => {
    const { mask, width, height } = renderLesion('nevus', 64, 48, 3);
    expect(new Set(mask)).toEqual(new Set([0, 255]));
    const centre = (height / 2) * width + width / 2;
    expect(mask[centre]).toBe(255);
    expect(mask[0]).toBe(0);
  });
});
