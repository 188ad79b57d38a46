/**
 * The lesion's texture (pure), on CIELAB lightness: how much the lightness changes from pixel to
 * pixel inside the lesion (a network of lines, dots and globules changes it often), and how
 * sharply the lesion meets the skin along its border, and how unevenly (a melanoma's border is
 * often sharp in places and fading in others).
 */
import { eroded, type Raster } from './raster.ts';

/** Under this many pixels two erosions leave of the lesion, its whole mask is its inside. */
const MIN_INSIDE = 5;

/** The lightness channel of a CIELAB image (three values a pixel). */
function lightnessOf(lab: Float32Array): Float32Array {
  return Float32Array.from({ length: lab.length / 3 }, (_, p) => lab[3 * p] as number);
}

/** `values` with a one-pixel frame around it that repeats its edge: (size + 2)² values. */
function padded(values: Float32Array, size: number): Float32Array {
  const width = size + 2;
  const out = new Float32Array(width * width);
  for (let y = -1; y <= size; y++) {
    const from = Math.min(Math.max(y, 0), size - 1) * size;
    for (let x = -1; x <= size; x++)
      out[(y + 1) * width + x + 1] = values[from + Math.min(Math.max(x, 0), size - 1)] as number;
  }
  return out;
}

/** The Sobel gradient's magnitude of `values`, the frame's edge repeated outward. */
function gradient(values: Float32Array, size: number): Float32Array {
  const width = size + 2;
  const v = padded(values, size);
  const out = new Float32Array(values.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const p = (y + 1) * width + x + 1;
      const up = p - width;
      const down = p + width;
      const gx =
        (v[up + 1] as number) +
        2 * (v[p + 1] as number) +
        (v[down + 1] as number) -
        ((v[up - 1] as number) + 2 * (v[p - 1] as number) + (v[down - 1] as number));
      const gy =
        (v[down - 1] as number) +
        2 * (v[down] as number) +
        (v[down + 1] as number) -
        ((v[up - 1] as number) + 2 * (v[up] as number) + (v[up + 1] as number));
      out[y * size + x] = Math.sqrt(gx * gx + gy * gy);
    }
  return out;
}

/** Each pixel's standard deviation over its 3 x 3 neighbourhood, the frame's edge repeated. */
function localSpread(values: Float32Array, size: number): Float32Array {
  const width = size + 2;
  const v = padded(values, size);
  const near = Int32Array.of(-width - 1, -width, -width + 1, -1, 0, 1, width - 1, width, width + 1);
  const out = new Float32Array(values.length);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const p = (y + 1) * width + x + 1;
      let sum = 0;
      let squares = 0;
      for (let k = 0; k < 9; k++) {
        const value = v[p + (near[k] as number)] as number;
        sum += value;
        squares += value * value;
      }
      out[y * size + x] = Math.sqrt(Math.max(squares / 9 - (sum / 9) ** 2, 0));
    }
  return out;
}

/** The mean and standard deviation of `values` where `pick` is 1. */
function statsWhere(values: Float32Array, pick: Uint8Array): { mean: number; spread: number } {
  let n = 0;
  let sum = 0;
  let squares = 0;
  for (let p = 0; p < pick.length; p++) {
    if (pick[p] !== 1) continue;
    const value = values[p] as number;
    n++;
    sum += value;
    squares += value * value;
  }
  const mean = n > 0 ? sum / n : 0;
  return { mean, spread: n > 0 ? Math.sqrt(Math.max(squares / n - mean * mean, 0)) : 0 };
}

/**
 * The lightness gradient's mean and spread inside the lesion (two pixels in from its border), its
 * mean along the border and its coefficient of variation there, and the mean 3 x 3 spread of
 * lightness inside.
 */
export function textureMeasures(lab: Float32Array, { size, lesion }: Raster): number[] {
  const lightness = lightnessOf(lab);
  const slope = gradient(lightness, size);
  const once = eroded(lesion, size);
  const twice = eroded(once, size);
  const interior = twice.reduce((n, v) => n + v, 0) >= MIN_INSIDE ? twice : lesion;
  const border = lesion.map((v, p) => (v === 1 && once[p] === 0 ? 1 : 0));
  const inside = statsWhere(slope, interior);
  const edge = statsWhere(slope, border);
  return [
    inside.mean,
    inside.spread,
    edge.mean,
    edge.spread / Math.max(edge.mean, 1e-6),
    statsWhere(localSpread(lightness, size), interior).mean,
  ];
}
