/**
 * One photo for Diagnose, decoded in the compute worker exactly as the Dataset stage decodes
 * training images (createImageBitmap straight to the stored size, EXIF orientation applied,
 * colour-managed; grey and alpha images come out as RGB), plus a preview at the photo's own aspect
 * for the overlays. The header is read first: a file that is not an image, a truncated one, a tiny
 * one or one over 50 megapixels is refused with the reason, before any large decode.
 */
import { inspect } from '../dataset/ingest/decode.ts';
import { DecodeError, type ImageHeader } from '../dataset/ingest/imageHeader.ts';

/** Photos over this many pixels are refused: decoding them could exhaust the tab's memory. */
export const MAX_PIXELS = 50_000_000;
/** The smallest edge a lesion photo can have. */
export const MIN_EDGE = 32;
/** Longest edge of the preview the page draws. */
const PREVIEW_EDGE = 480;

export interface Photo {
  /** Original size, as the header gives it. */
  width: number;
  height: number;
  /** The model's view: RGB bytes, `size * size * 3`, as training images are stored. */
  pixels: Uint8Array;
  size: number;
  /** For display, at the photo's aspect (after EXIF orientation): RGBA bytes. */
  preview: { width: number; height: number; rgba: Uint8ClampedArray };
}

/** WebP's size from its first 30 bytes (VP8, VP8L or VP8X), or null if it is not a WebP. */
export function webpSize(head: Uint8Array): { width: number; height: number } | null {
  const text = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length < 30 || text(0, 4) !== 'RIFF' || text(8, 12) !== 'WEBP') return null;
  const b = (i: number) => head[i] as number;
  switch (text(12, 16)) {
    case 'VP8 ':
      return { width: (b(26) | (b(27) << 8)) & 0x3fff, height: (b(28) | (b(29) << 8)) & 0x3fff };
    case 'VP8L':
      return {
        width: 1 + (((b(22) & 0x3f) << 8) | b(21)),
        height: 1 + (((b(24) & 0x0f) << 10) | (b(23) << 2) | ((b(22) & 0xc0) >> 6)),
      };
    case 'VP8X':
      return {
        width: 1 + (b(24) | (b(25) << 8) | (b(26) << 16)),
        height: 1 + (b(27) | (b(28) << 8) | (b(29) << 16)),
      };
    default:
      throw new DecodeError('the WebP file is corrupt: its first chunk is unknown');
  }
}

/** The photo's size, or the reason it cannot be used. */
export async function checkPhoto(blob: Blob): Promise<{ width: number; height: number }> {
  if (blob.size === 0) throw new DecodeError('the file is empty');
  const head = new Uint8Array(await blob.slice(0, 32).arrayBuffer());
  let size: { width: number; height: number };
  try {
    size = webpSize(head) ?? (await inspect(blob));
  } catch (error) {
    if (error instanceof DecodeError && /not a JPEG or PNG/.test(error.message)) {
      throw new DecodeError(error.message.replace('not a JPEG or PNG', 'not a JPEG, PNG or WebP'));
    }
    throw error;
  }
  const { width, height } = size;
  if (width * height > MAX_PIXELS) {
    throw new DecodeError(
      `the photo is ${width}x${height} (${((width * height) / 1e6).toFixed(0)} megapixels): photos over ${MAX_PIXELS / 1e6} megapixels are refused; save it smaller first`,
    );
  }
  if (Math.min(width, height) < MIN_EDGE) {
    throw new DecodeError(
      `the photo is ${width}x${height}: too small to show a lesion (at least ${MIN_EDGE} pixels a side)`,
    );
  }
  return { width, height };
}

async function decode(blob: Blob, options: ImageBitmapOptions): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(blob, options);
  } catch {
    throw new DecodeError('the image could not be decoded: the file is corrupt');
  }
}

function rgba(bitmap: ImageBitmap, width: number, height: number): Uint8ClampedArray {
  const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('No 2D canvas in this worker');
  context.drawImage(bitmap, 0, 0, width, height);
  return context.getImageData(0, 0, width, height).data;
}

export async function decodePhoto(blob: Blob, size: number): Promise<Photo> {
  const header: Pick<ImageHeader, 'width' | 'height'> = await checkPhoto(blob);
  // As decode.ts does for training images: one decode straight to the stored size.
  const square = await decode(blob, {
    resizeWidth: size,
    resizeHeight: size,
    resizeQuality: 'high',
  });
  const data = rgba(square, size, size);
  square.close();
  const pixels = new Uint8Array(size * size * 3);
  for (let i = 0, j = 0; j < pixels.length; i += 4, j += 3) {
    pixels[j] = data[i] as number;
    pixels[j + 1] = data[i + 1] as number;
    pixels[j + 2] = data[i + 2] as number;
  }
  // The preview keeps the aspect the browser shows (EXIF orientation may swap width and height).
  const oriented = await decode(blob, { resizeWidth: PREVIEW_EDGE, resizeQuality: 'medium' });
  let { width, height } = oriented;
  if (height > width) {
    oriented.close();
    const tall = await decode(blob, { resizeHeight: PREVIEW_EDGE, resizeQuality: 'medium' });
    ({ width, height } = tall);
    const preview = { width, height, rgba: rgba(tall, width, height) };
    tall.close();
    return { ...header, pixels, size, preview };
  }
  const preview = { width, height, rgba: rgba(oriented, width, height) };
  oriented.close();
  return { ...header, pixels, size, preview };
}
