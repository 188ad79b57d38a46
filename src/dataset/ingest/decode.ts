/**
 * Decodes a dropped image or mask to the stored size, inside the ingest worker
 * (createImageBitmap + OffscreenCanvas). Images become RGB bytes and a JPEG thumbnail; masks
 * become 0/255 bytes, resized nearest-neighbour so they stay binary. Originals are not kept.
 */
import { DecodeError, hasEndMarker, readImageHeader, type ImageHeader } from './imageHeader.ts';

/** Bytes read from the start of a file to find its size (JPEG EXIF blocks can be 64 KB). */
const HEAD_BYTES = 256 * 1024;
const TAIL_BYTES = 64;

export interface DecodedImage {
  width: number;
  height: number;
  /** RGB, `size * size * 3`. */
  pixels: Uint8Array;
  thumb: Blob;
}

export interface DecodedMask {
  width: number;
  height: number;
  /** 0 or 255, `size * size`. */
  pixels: Uint8Array;
  /** 0 or 255 at thumbnail size. */
  thumb: Uint8Array;
}

/** Reads the header and checks the end marker: catches non-images and truncated files early. */
export async function inspect(blob: Blob): Promise<ImageHeader> {
  const head = new Uint8Array(await blob.slice(0, HEAD_BYTES).arrayBuffer());
  const header = readImageHeader(head);
  const tail = new Uint8Array(await blob.slice(Math.max(0, blob.size - TAIL_BYTES)).arrayBuffer());
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
      premultiplyAlpha: 'none',
      colorSpaceConversion: quality === 'pixelated' ? 'none' : 'default',
    });
  } catch {
    throw new DecodeError('the image could not be decoded: the file is corrupt');
  }
}

/** Draws a bitmap and returns its RGBA bytes. */
function rgbaOf(source: ImageBitmap, size: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(size, size);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('No 2D canvas in this worker');
  context.drawImage(source, 0, 0);
  return context.getImageData(0, 0, size, size).data;
}

export async function decodeImage(
  blob: Blob,
  size: number,
  thumbSize: number,
): Promise<DecodedImage> {
  const header = await inspect(blob);
  const resized = await bitmap(blob, size, 'high');
  try {
    const rgba = rgbaOf(resized, size);
    const pixels = new Uint8Array(size * size * 3);
    for (let i = 0, j = 0; j < pixels.length; i += 4, j += 3) {
      pixels[j] = rgba[i] as number;
      pixels[j + 1] = rgba[i + 1] as number;
      pixels[j + 2] = rgba[i + 2] as number;
    }
    const thumbCanvas = new OffscreenCanvas(thumbSize, thumbSize);
    const context = thumbCanvas.getContext('2d');
    if (!context) throw new Error('No 2D canvas in this worker');
    context.imageSmoothingQuality = 'high';
    context.drawImage(resized, 0, 0, thumbSize, thumbSize);
    const thumb = await thumbCanvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
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
  const header = await inspect(blob);
  const binary = async (edge: number): Promise<Uint8Array> => {
    const resized = await bitmap(blob, edge, 'pixelated');
    try {
      const rgba = rgbaOf(resized, edge);
      const out = new Uint8Array(edge * edge);
      for (let i = 0; i < out.length; i++) out[i] = (rgba[i * 4] as number) >= 128 ? 255 : 0;
      return out;
    } finally {
      resized.close();
    }
  };
  return {
    width: header.width,
    height: header.height,
    pixels: await binary(size),
    thumb: await binary(thumbSize),
  };
}
