/**
 * The lesion-centred crop (pure): the square around a mask's lesion with a margin, and an image
 * cut to that square and zoomed back to its own size. The classifier reads its input at a few
 * dozen pixels; a small lesion in a whole frame would cover a third of them, so the masked image it
 * learns from is the lesion's square, zoomed. Diagnose makes the same crop of a photo, and maps
 * Grad-CAM's map back through the same square.
 */

/** A square in pixels of a `size` x `size` image: left, top and edge (may be fractional). */
export interface CropBox {
  x: number;
  y: number;
  side: number;
}

/** Margin around the lesion's bounding square, as a fraction of its edge on each side. */
export const LESION_MARGIN = 0.1;
/** The smallest square, as a fraction of the image edge: a speck is not zoomed to a full image. */
export const MIN_CROP = 0.25;

/**
 * The square centred on the lesion's bounding box, its edge the box's longer edge plus the margin
 * on both sides (at least `MIN_CROP` of the image, at most all of it), moved inside the image;
 * the whole image when the mask is empty.
 */
export function lesionBox(mask: Uint8Array, size: number, margin = LESION_MARGIN): CropBox {
  let left = size;
  let right = -1;
  let top = size;
  let bottom = -1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if ((mask[y * size + x] as number) < 128) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  if (right < 0) return { x: 0, y: 0, side: size };
  const edge = Math.max(right - left + 1, bottom - top + 1) * (1 + 2 * margin);
  const side = Math.min(size, Math.max(edge, MIN_CROP * size));
  const inside = (centre: number) => Math.min(Math.max(centre - side / 2, 0), size - side);
  return { x: inside((left + right + 1) / 2), y: inside((top + bottom + 1) / 2), side };
}

/** True when the box is the whole image (nothing to cut). */
export function isWhole(box: CropBox, size: number): boolean {
  return box.x === 0 && box.y === 0 && box.side === size;
}

/**
 * The box's pixels zoomed to `size` x `size`, bilinear, pixel centres aligned (as
 * `tf.image.cropAndResize` with `align_corners` false samples them); `channels` bytes a pixel.
 */
export function cropToBox(
  pixels: Uint8Array,
  size: number,
  channels: number,
  box: CropBox,
): Uint8Array {
  if (isWhole(box, size)) return pixels.slice();
  const out = new Uint8Array(size * size * channels);
  const scale = box.side / size;
  const last = size - 1;
  for (let oy = 0; oy < size; oy++) {
    const sy = Math.min(Math.max(box.y + (oy + 0.5) * scale - 0.5, 0), last);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, last);
    const fy = sy - y0;
    for (let ox = 0; ox < size; ox++) {
      const sx = Math.min(Math.max(box.x + (ox + 0.5) * scale - 0.5, 0), last);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, last);
      const fx = sx - x0;
      const a = (y0 * size + x0) * channels;
      const b = (y0 * size + x1) * channels;
      const c = (y1 * size + x0) * channels;
      const d = (y1 * size + x1) * channels;
      const o = (oy * size + ox) * channels;
      for (let ch = 0; ch < channels; ch++) {
        const topRow = (pixels[a + ch] as number) * (1 - fx) + (pixels[b + ch] as number) * fx;
        const bottomRow = (pixels[c + ch] as number) * (1 - fx) + (pixels[d + ch] as number) * fx;
        out[o + ch] = Math.round(topRow * (1 - fy) + bottomRow * fy);
      }
    }
  }
  return out;
}
