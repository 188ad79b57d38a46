/**
 * Decodes a dropped image or mask to the stored size, inside the ingest worker
 * (createImageBitmap + OffscreenCanvas). Images become RGB bytes and a JPEG thumbnail; masks
 * become 0/255 bytes, resized nearest-neighbour so they stay binary. Originals are not kept.
 */
import { DecodeError, hasEndMarker, readImageHeader, type ImageHeader } from './imageHeader.ts';

/** Bytes read from the start of a file to find its size: EXIF blocks are at most 64 KB. */
const HEAD_BYTES = 64 * 1024;
/** Where the frame header is not in the first 64 KB, read this much before giving up. */
const LONG_HEAD_BYTES = 1024 * 1024;
const TAIL_BYTES = 64;

export interface DecodedImage {
  width: number;
  height: number;
  /** RGB, `size * size * 3`. */
  pixels: Uint8Array;
  /** A small JPEG, still being encoded. */
  thumb: Promise<Blob>;
}

export interface DecodedMask {
  width: number;
  height: number;
  /** 0 or 255, `size * size`. */
  pixels: Uint8Array;
  /** 0 or 255 at thumbnail size. */
  thumb: Uint8Array;
}

/**
 * Reads the header and checks the end marker: catches non-images and truncated files early. Head
 * and tail come in one read (a Blob of two slices): each read is a round trip to the browser.
 */
export async function inspect(blob: Blob): Promise<ImageHeader> {
  const tailStart = Math.max(HEAD_BYTES, blob.size - TAIL_BYTES);
  const bytes = new Uint8Array(
    await new Blob([blob.slice(0, HEAD_BYTES), blob.slice(tailStart)]).arrayBuffer(),
  );
  const headLength = Math.min(HEAD_BYTES, blob.size);
  const tail = bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES));
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes.subarray(0, headLength));
  } catch (error) {
    if (blob.size <= HEAD_BYTES) throw error;
    header = readImageHeader(new Uint8Array(await blob.slice(0, LONG_HEAD_BYTES).arrayBuffer()));
  }
  if (!hasEndMarker(header.format, tail)) {
    throw new DecodeError(
      `the ${header.format === 'jpeg' ? 'JPEG' : 'PNG'} file is truncated: it ends before its end marker`,
    );
  }
  return header;
}

async function bitmap(blob: Blob, size: number, quality: ResizeQuality): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(blob, {
      resizeWidth: size,
      resizeHeight: size,
      resizeQuality: quality,
      // Masks keep their raw values; photos are colour-managed as a browser shows them. (Leaving
      // premultiplyAlpha at its default matters: 'none' makes Chrome's decode ~20% slower.)
      colorSpaceConversion: quality === 'pixelated' ? 'none' : 'default',
    });
  } catch {
    throw new DecodeError('the image could not be decoded: the file is corrupt');
  }
}

/**
 * 2D contexts by edge, made once. They are CPU-backed (`willReadFrequently`): every pixel is read
 * back, which a GPU-backed canvas would make a slow round trip. Drawing and reading are
 * synchronous, so the decodes in flight can share them.
 */
const contexts = new Map<number, OffscreenCanvasRenderingContext2D>();

function contextOf(edge: number): OffscreenCanvasRenderingContext2D {
  let context = contexts.get(edge);
  if (!context) {
    const made = new OffscreenCanvas(edge, edge).getContext('2d', { willReadFrequently: true });
    if (!made) throw new Error('No 2D canvas in this worker');
    context = made;
    contexts.set(edge, context);
  }
  return context;
}

/** Draws a bitmap (scaled to `edge`) and returns its RGBA bytes. */
function rgbaOf(source: ImageBitmap, edge: number): Uint8ClampedArray {
  const context = contextOf(edge);
  context.clearRect(0, 0, edge, edge);
  context.drawImage(source, 0, 0, edge, edge);
  return context.getImageData(0, 0, edge, edge).data;
}

/**
 * Decodes straight to the stored size while the header check runs beside it (the check is two
 * small file reads: waiting for it first would idle the decoder). The header's verdict wins: it
 * names the problem more precisely than a failed decode does.
 */
async function checkedBitmap(
  blob: Blob,
  size: number,
  quality: ResizeQuality,
): Promise<{ header: ImageHeader; resized: ImageBitmap }> {
  const [header, resized] = await Promise.allSettled([inspect(blob), bitmap(blob, size, quality)]);
  if (header.status === 'rejected') {
    if (resized.status === 'fulfilled') resized.value.close();
    throw header.reason;
  }
  if (resized.status === 'rejected') throw resized.reason;
  return { header: header.value, resized: resized.value };
}

/**
 * The stored RGB pixels at once, and a thumbnail whose JPEG encoding finishes later (the batch
 * writer awaits it), so the next decode need not wait for it.
 */
export async function decodeImage(
  blob: Blob,
  size: number,
  thumbSize: number,
): Promise<DecodedImage> {
  const { header, resized } = await checkedBitmap(blob, size, 'high');
  try {
    const rgba = rgbaOf(resized, size);
    const pixels = new Uint8Array(size * size * 3);
    for (let i = 0, j = 0; j < pixels.length; i += 4, j += 3) {
      pixels[j] = rgba[i] as number;
      pixels[j + 1] = rgba[i + 1] as number;
      pixels[j + 2] = rgba[i + 2] as number;
    }
    // The thumbnail is encoded from its own canvas, as the shared one is drawn over meanwhile.
    const thumbCanvas = new OffscreenCanvas(thumbSize, thumbSize);
    const thumbContext = thumbCanvas.getContext('2d', { willReadFrequently: true });
    if (!thumbContext) throw new Error('No 2D canvas in this worker');
    thumbContext.imageSmoothingQuality = 'high';
    thumbContext.drawImage(resized, 0, 0, thumbSize, thumbSize);
    const thumb = thumbCanvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
    return { width: header.width, height: header.height, pixels, thumb };
  } finally {
    resized.close();
  }
}

export async function decodeMask(
  blob: Blob,
  size: number,
  thumbSize: number,
): Promise<DecodedMask> {
  const { header, resized } = await checkedBitmap(blob, size, 'pixelated');
  const pixels = binary(resized, size);
  const thumb = binary(await bitmap(blob, thumbSize, 'pixelated'), thumbSize);
  return { width: header.width, height: header.height, pixels, thumb };
}

/** A mask bitmap's red channel thresholded to 0 / 255; closes the bitmap. */
function binary(resized: ImageBitmap, edge: number): Uint8Array {
  try {
    const rgba = rgbaOf(resized, edge);
    const out = new Uint8Array(edge * edge);
    for (let i = 0; i < out.length; i++) out[i] = (rgba[i * 4] as number) >= 128 ? 255 : 0;
    return out;
  } finally {
    resized.close();
  }
}
