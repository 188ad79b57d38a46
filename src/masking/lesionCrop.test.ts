import { describe, expect, it } from 'vitest';
import { LESION_MARGIN, MIN_CROP, cropToBox, isWhole, lesionBox } from './lesionCrop.ts';

const SIZE = 100;

/** A mask of `size` px with the rectangle [left, right) x [top, bottom) set. */
function rectangle(left: number, top: number, right: number, bottom: number, size = SIZE) {
  const mask = new Uint8Array(size * size);
  for (let y = top; y < bottom; y++) mask.fill(255, y * size + left, y * size + right);
  return mask;
}

describe('lesionBox', () => {
  it('is the square on the lesion with the margin on each side, centred on it', () => {
    // A 30 x 20 lesion at (40, 50): the square's edge is 30 (1 + 2 x margin).
    const box = lesionBox(rectangle(40, 50, 70, 70), SIZE);
    const side = 30 * (1 + 2 * LESION_MARGIN);
    expect(box.side).toBeCloseTo(side, 10);
    expect(box.x + box.side / 2).toBeCloseTo(55, 10);
    expect(box.y + box.side / 2).toBeCloseTo(60, 10);
  });

  it('moves a square that would leave the image back inside it', () => {
    const box = lesionBox(rectangle(0, 80, 30, 100), SIZE);
    expect(box.x).toBe(0);
    expect(box.y + box.side).toBeCloseTo(SIZE, 10);
    expect(box.side).toBeCloseTo(30 * (1 + 2 * LESION_MARGIN), 10);
  });

  it('keeps the whole image for a lesion as large as it, or no lesion at all', () => {
    expect(lesionBox(rectangle(5, 0, 95, 100), SIZE)).toEqual({ x: 0, y: 0, side: SIZE });
    expect(lesionBox(new Uint8Array(SIZE * SIZE), SIZE)).toEqual({ x: 0, y: 0, side: SIZE });
    expect(isWhole(lesionBox(new Uint8Array(SIZE * SIZE), SIZE), SIZE)).toBe(true);
  });

  it('does not zoom a speck past the smallest square', () => {
    const box = lesionBox(rectangle(50, 50, 52, 52), SIZE);
    expect(box.side).toBe(MIN_CROP * SIZE);
    expect(box.x + box.side / 2).toBe(51);
  });
});

describe('cropToBox', () => {
  it('copies the image when the box is all of it', () => {
    const pixels = Uint8Array.from({ length: 4 * 4 * 3 }, (_, i) => i);
    const out = cropToBox(pixels, 4, 3, { x: 0, y: 0, side: 4 });
    expect(Array.from(out)).toEqual(Array.from(pixels));
    expect(out).not.toBe(pixels);
  });

  it('samples the box bilinearly at pixel centres: exact on a ramp', () => {
    // Channel 0 is 2x, channel 1 is 2y: bilinear sampling reproduces a linear ramp exactly.
    const size = 64;
    const pixels = new Uint8Array(size * size * 2);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        pixels[(y * size + x) * 2] = 2 * x;
        pixels[(y * size + x) * 2 + 1] = 2 * y;
      }
    }
    const box = { x: 10, y: 20, side: 32 };
    const out = cropToBox(pixels, size, 2, box);
    for (const [ox, oy] of [
      [0, 0],
      [5, 40],
      [63, 63],
      [31, 17],
    ] as const) {
      const sx = Math.max(box.x + (ox + 0.5) * 0.5 - 0.5, 0);
      const sy = Math.max(box.y + (oy + 0.5) * 0.5 - 0.5, 0);
      expect(out[(oy * size + ox) * 2]).toBe(Math.round(2 * sx));
      expect(out[(oy * size + ox) * 2 + 1]).toBe(Math.round(2 * sy));
    }
  });

  it('zooms the lesion of a mask to fill the image, keeping its colour', () => {
    const mask = rectangle(40, 40, 60, 60);
    const pixels = new Uint8Array(SIZE * SIZE * 3);
    mask.forEach((v, p) => v && pixels.fill(200, p * 3, p * 3 + 3));
    const out = cropToBox(pixels, SIZE, 3, lesionBox(mask, SIZE));
    const lit = out.filter((v, i) => i % 3 === 0 && v > 100).length;
    // 20 x 20 of 100 x 100 before; about (1 / 1.2)² of the image after.
    expect(lit / (SIZE * SIZE)).toBeGreaterThan(0.6);
    expect(lit / (SIZE * SIZE)).toBeLessThan(0.75);
    expect(out[(50 * SIZE + 50) * 3]).toBe(200);
    expect(out[0]).toBe(0);
  });
});
