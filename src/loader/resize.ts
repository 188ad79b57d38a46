/**
 * Square byte images to the model's input size, in JavaScript, before anything becomes a tensor:
 * the same results as tf.image.resizeBilinear and resizeNearestNeighbor with aligned corners, at a
 * fraction of the cost. Making a tensor of every stored byte first (256 px) and resizing it in
 * tfjs spent about 2 ms an image here, which on WebAssembly (where the input pipeline and training
 * share one thread) held the quick SegNet's app loop at 0.42 of bare `model.fit`.
 */

/** For each output index: the two input indices either side and the weight of the second. */
function bilinearTaps(size: number, outSize: number) {
  const ratio = outSize > 1 ? (size - 1) / (outSize - 1) : 0;
  const low = new Int32Array(outSize);
  const high = new Int32Array(outSize);
  const weight = new Float32Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const source = i * ratio;
    low[i] = Math.floor(source);
    high[i] = Math.min(size - 1, Math.ceil(source));
    weight[i] = source - (low[i] as number);
  }
  return { low, high, weight };
}

/**
 * `pixels` (size x size x channels bytes) resized bilinearly with aligned corners and scaled by
 * `scale`, written to `out` from `offset`.
 */
export function resizeBilinearBytes(
  pixels: Uint8Array,
  size: number,
  outSize: number,
  channels: number,
  scale: number,
  out: Float32Array,
  offset: number,
): void {
  if (size === outSize) {
    for (let i = 0; i < pixels.length; i++) out[offset + i] = (pixels[i] as number) * scale;
    return;
  }
  const { low, high, weight } = bilinearTaps(size, outSize);
  const row = size * channels;
  let at = offset;
  for (let y = 0; y < outSize; y++) {
    const top = (low[y] as number) * row;
    const bottom = (high[y] as number) * row;
    const dy = weight[y] as number;
    for (let x = 0; x < outSize; x++) {
      const left = (low[x] as number) * channels;
      const right = (high[x] as number) * channels;
      const dx = weight[x] as number;
      for (let c = 0; c < channels; c++) {
        const topLeft = pixels[top + left + c] as number;
        const topRight = pixels[top + right + c] as number;
        const bottomLeft = pixels[bottom + left + c] as number;
        const bottomRight = pixels[bottom + right + c] as number;
        const upper = topLeft + (topRight - topLeft) * dx;
        const lower = bottomLeft + (bottomRight - bottomLeft) * dx;
        out[at++] = (upper + (lower - upper) * dy) * scale;
      }
    }
  }
}

/**
 * A one-channel mask (bytes) resized to the nearest input pixel with aligned corners, as 1 where
 * it is above 127 and 0 elsewhere, written to `out` from `offset`.
 */
export function resizeMaskBytes(
  pixels: Uint8Array,
  size: number,
  outSize: number,
  out: Float32Array,
  offset: number,
): void {
  const ratio = outSize > 1 ? (size - 1) / (outSize - 1) : 0;
  const nearest = Int32Array.from({ length: outSize }, (_, i) =>
    Math.min(size - 1, Math.round(i * ratio)),
  );
  let at = offset;
  for (let y = 0; y < outSize; y++) {
    const row = (nearest[y] as number) * size;
    for (let x = 0; x < outSize; x++) {
      out[at++] = (pixels[row + (nearest[x] as number)] as number) > 127 ? 1 : 0;
    }
  }
}

/**
 * A square image resized to `outSize` as bytes (rounded to the nearest level): what the training
 * caches keep, at the model's input size. The same bytes come back when the size already fits.
 */
export function resizeBilinearToBytes(
  pixels: Uint8Array,
  size: number,
  outSize: number,
  channels: number,
): Uint8Array {
  if (size === outSize) return pixels;
  const resized = new Float32Array(outSize * outSize * channels);
  resizeBilinearBytes(pixels, size, outSize, channels, 1, resized, 0);
  return Uint8Array.from(resized, Math.round);
}

/** A mask resized to `outSize` as `resizeMaskBytes` does, as bytes of 0 or 255. */
export function resizeMaskToBytes(pixels: Uint8Array, size: number, outSize: number): Uint8Array {
  if (size === outSize) return pixels;
  const resized = new Float32Array(outSize * outSize);
  resizeMaskBytes(pixels, size, outSize, resized, 0);
  return Uint8Array.from(resized, (v) => v * 255);
}
