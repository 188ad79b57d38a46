import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { DecodeError, hasEndMarker, readImageHeader } from './imageHeader.ts';

function jpegOf(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4, 128);
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data);
}

function pngOf(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8 });
  png.data = Buffer.alloc(width * height);
  return new Uint8Array(PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8 }));
}

/** Inserts an APP1 (EXIF) block of `size` bytes after the JPEG's start marker. */
function withExif(file: Uint8Array, size: number): Uint8Array {
  const app1 = new Uint8Array(size + 4);
  app1.set([0xff, 0xe1, (size + 2) >> 8, (size + 2) & 0xff]);
  app1.set([0x45, 0x78, 0x69, 0x66, 0, 0], 4); // "Exif\0\0"
  return Uint8Array.from([...file.slice(0, 2), ...app1, ...file.slice(2)]);
}

describe('readImageHeader', () => {
  it('reads the size of a JPEG, also behind a large EXIF block', () => {
    expect(readImageHeader(jpegOf(97, 41))).toEqual({ format: 'jpeg', width: 97, height: 41 });
    expect(readImageHeader(withExif(jpegOf(64, 48), 30_000))).toEqual({
      format: 'jpeg',
      width: 64,
      height: 48,
    });
  });

  it('reads the size of a PNG', () => {
    expect(readImageHeader(pngOf(1024, 768))).toEqual({ format: 'png', width: 1024, height: 768 });
  });

  it('refuses an empty file, a non-image, and a JPEG cut before its frame header', () => {
    expect(() => readImageHeader(new Uint8Array())).toThrow('the file is empty');
    expect(() => readImageHeader(new TextEncoder().encode('%PDF-1.4'))).toThrow(
      new DecodeError('not a JPEG or PNG image (the file starts with bytes 25 50 44 46)'),
    );
    const cut = withExif(jpegOf(8, 8), 2000).slice(0, 600);
    expect(() => readImageHeader(cut)).toThrow(/no frame header/);
  });
});

describe('hasEndMarker', () => {
  it('tells a complete file from a truncated one', () => {
    const full = jpegOf(32, 32);
    expect(hasEndMarker('jpeg', full.slice(-64))).toBe(true);
    expect(hasEndMarker('jpeg', full.slice(0, full.length / 2).slice(-64))).toBe(false);
    const png = pngOf(16, 16);
    expect(hasEndMarker('png', png.slice(-64))).toBe(true);
    expect(hasEndMarker('png', png.slice(0, png.length - 12).slice(-64))).toBe(false);
  });

  it('accepts padding after the JPEG end marker', () => {
    const padded = Uint8Array.from([...jpegOf(16, 16), 0, 0, 0, 0]);
    expect(hasEndMarker('jpeg', padded.slice(-64))).toBe(true);
  });
});
