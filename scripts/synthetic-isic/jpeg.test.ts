import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { encodeRgbaJpeg } from './jpeg.ts';
import { renderLesion } from './render.ts';

describe('reused JPEG encoder', () => {
  it('writes the bytes jpeg-js writes, image after image, size after size', () => {
    const sizes: [number, number, number][] = [
      [24, 24, 90],
      [40, 30, 85],
      [17, 33, 90],
      [24, 24, 90],
    ];
    for (const [i, [width, height, quality]] of sizes.entries()) {
      const lesion = renderLesion(i % 2 ? 'melanoma' : 'nevus', width, height, 100 + i);
      const data = new Uint8Array(width * height * 4).fill(255);
      lesion.rgb.forEach((value, j) => (data[Math.floor(j / 3) * 4 + (j % 3)] = value));
      const image = { data, width, height };
      expect(encodeRgbaJpeg(image, quality)).toEqual(
        new Uint8Array(jpeg.encode(image, quality).data),
      );
    }
  });
});
