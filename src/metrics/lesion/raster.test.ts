import { describe, expect, it } from 'vitest';
import { distanceFromSkin, eroded, rasterOf } from './raster.ts';

const SIZE = 32;
const maskOf = (inside: (x: number, y: number) => boolean) =>
  Uint8Array.from({ length: SIZE * SIZE }, (_, p) =>
    inside(p % SIZE, Math.floor(p / SIZE)) ? 255 : 0,
  );
const count = (pixels: Uint8Array) => pixels.reduce((n, v) => n + v, 0);

describe('lesion raster', () => {
  it('erodes by a cross, the frame counting as outside', () => {
    const square = rasterOf(
      maskOf((x, y) => x >= 10 && x < 15 && y >= 10 && y < 15),
      SIZE,
    );
    expect(count(square.lesion)).toBe(25);
    expect(count(eroded(square.lesion, SIZE))).toBe(9);
    expect(count(eroded(eroded(square.lesion, SIZE), SIZE))).toBe(1);
    const whole = rasterOf(
      maskOf(() => true),
      SIZE,
    );
    expect(count(eroded(whole.lesion, SIZE))).toBe((SIZE - 2) ** 2);
  });

  it("measures each pixel's distance from the skin, within 8% of the Euclidean", () => {
    const disc = rasterOf(
      maskOf((x, y) => (x - 16) ** 2 + (y - 16) ** 2 <= 100),
      SIZE,
    );
    const distance = distanceFromSkin(disc);
    expect(distance[0]).toBe(0);
    // The disc's centre is 11 pixels from the nearest skin pixel on its axes.
    expect(distance[16 * SIZE + 16]).toBeGreaterThanOrEqual(10);
    expect(distance[16 * SIZE + 16]).toBeLessThanOrEqual(11 * 1.08);
    // A pixel on the border is one step from the skin.
    expect(distance[16 * SIZE + 6]).toBe(1);
  });

  it('measures from the frame where the lesion fills it', () => {
    const distance = distanceFromSkin(
      rasterOf(
        maskOf(() => true),
        SIZE,
      ),
    );
    expect(distance[0]).toBe(1);
    expect(distance[5 * SIZE + 12]).toBe(6);
  });
});
