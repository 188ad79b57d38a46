/**
 * JPEG encoding that reuses jpeg-js's encoder. `jpeg.encode` builds a new encoder, and with it all
 * its tables, for every image: tens of milliseconds, against about one to encode a 64x64 crop. One
 * encoder per quality, reused, writes the same bytes (it resets its state for each image), so the
 * generators can make tens of thousands of images. jpeg-js exports only `encode`, so its encoder
 * constructor is taken from the module's source.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}
interface JpegEncoder {
  encode(image: RgbaImage, quality: number): Uint8Array;
}
type JpegEncoderConstructor = new (quality: number) => JpegEncoder;

let construct: JpegEncoderConstructor | null = null;
const encoders = new Map<number, JpegEncoder>();

function encoderConstructor(): JpegEncoderConstructor {
  if (construct === null) {
    const require = createRequire(import.meta.url);
    const source = readFileSync(require.resolve('jpeg-js/lib/encoder.js'), 'utf8');
    // The module body, with a `module` of its own, handing back the constructor it declares.
    const body = new Function('module', 'Buffer', `${source}\nreturn JPEGEncoder;`) as (
      module: object,
      buffer: typeof Buffer,
    ) => JpegEncoderConstructor;
    construct = body({}, Buffer);
  }
  return construct;
}

/** Baseline JPEG of RGBA pixels at this quality (1..100), byte for byte as `jpeg.encode` writes. */
export function encodeRgbaJpeg(image: RgbaImage, quality: number): Uint8Array {
  let encoder = encoders.get(quality);
  if (encoder === undefined) {
    const Encoder = encoderConstructor();
    encoder = new Encoder(quality);
    encoders.set(quality, encoder);
  }
  return new Uint8Array(encoder.encode(image, quality));
}
