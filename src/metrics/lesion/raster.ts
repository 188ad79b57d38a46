/**
 * A lesion's mask on the stored image's square grid, and what its measures read of it (pure):
 * its pixels, border, erosion and the distance of each pixel from the skin.
 */

/** A mask of `size` x `size` pixels, lesion where ≥ 128. */
export interface Raster {
  size: number;
  /** 1 for a lesion pixel, 0 for skin. */
  lesion: Uint8Array;
}

export function rasterOf(mask: Uint8Array, size: number): Raster {
  return { size, lesion: mask.map((v) => (v >= 128 ? 1 : 0)) };
}

/** Whether (x, y) is in the frame and in `pixels` (a 0/1 mask of the raster's size). */
export function inside(pixels: Uint8Array, size: number, x: number, y: number): boolean {
  return x >= 0 && y >= 0 && x < size && y < size && pixels[y * size + x] === 1;
}

/**
 * The pixels of `pixels` whose four neighbours are all in it too (the frame's outside counts as
 * outside): one step of erosion by a cross.
 */
export function eroded(pixels: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(pixels.length);
  for (let y = 1; y < size - 1; y++)
    for (let x = 1; x < size - 1; x++) {
      const p = y * size + x;
      out[p] =
        pixels[p] === 1 &&
        pixels[p - 1] === 1 &&
        pixels[p + 1] === 1 &&
        pixels[p - size] === 1 &&
        pixels[p + size] === 1
          ? 1
          : 0;
    }
  return out;
}

/**
 * Each lesion pixel's distance from the nearest skin pixel (0 on the skin), by the two-pass
 * chamfer transform with steps 1 and √2 (within 8% of the Euclidean distance). Where the mask
 * has no skin, the distance is from the frame's edge.
 */
export function distanceFromSkin({ size, lesion }: Raster): Float32Array {
  const distance = new Float32Array(lesion.length);
  // Outside the frame: as far as can be where there is skin, skin itself where there is none.
  const beyond = lesion.some((v) => v === 0) ? Infinity : 0;
  for (let p = 0; p < lesion.length; p++) distance[p] = lesion[p] === 1 ? Infinity : 0;
  const at = (x: number, y: number) =>
    x < 0 || y < 0 || x >= size || y >= size ? beyond : (distance[y * size + x] as number);
  const D = Math.SQRT2;
  // Forward: from the left and the row above; backward: from the right and the row below.
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      if (distance[p] === 0) continue;
      distance[p] = Math.min(
        distance[p] as number,
        at(x - 1, y) + 1,
        at(x, y - 1) + 1,
        at(x - 1, y - 1) + D,
        at(x + 1, y - 1) + D,
      );
    }
  for (let y = size - 1; y >= 0; y--)
    for (let x = size - 1; x >= 0; x--) {
      const p = y * size + x;
      if (distance[p] === 0) continue;
      distance[p] = Math.min(
        distance[p] as number,
        at(x + 1, y) + 1,
        at(x, y + 1) + 1,
        at(x + 1, y + 1) + D,
        at(x - 1, y + 1) + D,
      );
    }
  return distance;
}
