/**
 * Reads an image's format and original size from its first bytes, and tells a complete file from a
 * truncated one by its end marker, without decoding pixels. A 6000x4000 ISIC photo is then decoded
 * once, straight to the stored size.
 */

export type ImageFormat = 'jpeg' | 'png';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

/** A file that is not a usable image; the message is shown to the person as the reason. */
export class DecodeError extends Error {
  override name = 'DecodeError';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** JPEG start-of-frame markers (baseline, progressive, lossless...), which carry the size. */
const SOF_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

export function detectFormat(head: Uint8Array): ImageFormat | null {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (PNG_SIGNATURE.every((b, i) => head[i] === b)) return 'png';
  return null;
}

/**
 * The format and size from the file's first bytes (for JPEG, enough to reach the frame header:
 * EXIF blocks can take 64 KB). Throws DecodeError for anything else.
 */
export function readImageHeader(head: Uint8Array): ImageHeader {
  const format = detectFormat(head);
  if (format === 'png') {
    if (head.length < 24) throw new DecodeError('the PNG file is truncated: it has no header');
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    return { format, width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (format === 'jpeg') return { format, ...jpegSize(head) };
  const start = Array.from(head.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new DecodeError(
    head.length === 0
      ? 'the file is empty'
      : `not a JPEG or PNG image (the file starts with bytes ${start})`,
  );
}

function jpegSize(head: Uint8Array): { width: number; height: number } {
  let offset = 2;
  while (offset + 4 <= head.length) {
    if (head[offset] !== 0xff)
      throw new DecodeError('the JPEG file is corrupt: a marker is broken');
    const marker = head[offset + 1] as number;
    if (marker === 0xff) {
      offset++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image, or scan data before any frame
    const length = ((head[offset + 2] as number) << 8) | (head[offset + 3] as number);
    if (SOF_MARKERS.has(marker)) {
      if (offset + 9 > head.length) break;
      const height = ((head[offset + 5] as number) << 8) | (head[offset + 6] as number);
      const width = ((head[offset + 7] as number) << 8) | (head[offset + 8] as number);
      if (width === 0 || height === 0) throw new DecodeError('the JPEG file gives a size of 0');
      return { width, height };
    }
    offset += 2 + length;
  }
  throw new DecodeError('the JPEG file is corrupt or truncated: it has no frame header');
}

/** True when the file's last bytes hold the format's end marker (JPEG EOI, PNG IEND). */
export function hasEndMarker(format: ImageFormat, tail: Uint8Array): boolean {
  if (format === 'png') {
    const iend = [0x49, 0x45, 0x4e, 0x44];
    for (let i = tail.length - 8; i >= 0; i--) {
      if (iend.every((b, j) => tail[i + j] === b)) return true;
    }
    return false;
  }
  // Some cameras pad after the end marker; search the last bytes rather than only the final two.
  for (let i = tail.length - 2; i >= 0; i--) {
    if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
  }
  return false;
}
