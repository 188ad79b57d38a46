import { describe, expect, it } from 'vitest';
import { DecodeError } from '../dataset/ingest/imageHeader.ts';
import { webpSize } from './photo.ts';

/** A RIFF/WEBP file start with the given first chunk and its payload bytes from offset 20. */
function webp(chunk: string, payload: number[]): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(
    [...'RIFF'].map((c) => c.charCodeAt(0)),
    0,
  );
  bytes.set(
    [...'WEBP'].map((c) => c.charCodeAt(0)),
    8,
  );
  bytes.set(
    [...chunk].map((c) => c.charCodeAt(0)),
    12,
  );
  bytes.set(payload, 20);
  return bytes;
}

describe('webpSize', () => {
  it('reads the size of lossy (VP8), lossless (VP8L) and extended (VP8X) WebP files', () => {
    // VP8: frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height, little-endian.
    // 1024 = 0x0400, 768 = 0x0300.
    expect(webpSize(webp('VP8 ', [0, 0, 0, 0x9d, 0x01, 0x2a, 0x00, 0x04, 0x00, 0x03]))).toEqual({
      width: 1024,
      height: 768,
    });
    // VP8L: signature 0x2f, then width-1 in 14 bits and height-1 in 14 bits, little-endian bits.
    // width 800 → 799 = 0b00_0011_0001_1111; height 600 → 599 = 0b00_0010_0101_0111.
    // bits: [w 0..13][h 0..13] → byte21 = w & 0xff = 0x1f; byte22 = (w >> 8) | (h & 3) << 6 = 0x03 | 0xc0;
    // byte23 = (h >> 2) & 0xff = 0x95; byte24 = h >> 10 = 0.
    expect(webpSize(webp('VP8L', [0x2f, 0x1f, 0xc3, 0x95, 0x00]))).toEqual({
      width: 800,
      height: 600,
    });
    // VP8X: flags (4 bytes), then canvas width-1 and height-1 in 24 bits, little-endian.
    // 8000 - 1 = 0x1f3f; 6000 - 1 = 0x176f.
    expect(webpSize(webp('VP8X', [0, 0, 0, 0, 0x3f, 0x1f, 0x00, 0x6f, 0x17, 0x00]))).toEqual({
      width: 8000,
      height: 6000,
    });
  });

  it('tells other files apart and names a broken WebP', () => {
    expect(webpSize(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array(28).fill(0)]))).toBeNull();
    expect(() => webpSize(webp('ABCD', []))).toThrow(DecodeError);
  });
});
