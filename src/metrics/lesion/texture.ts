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

/** Index k's neighbours' indices k - 1 and k + 1 along an axis of `size`, the edge repeated. */
function neighbours(size: number): { before: Int32Array; after: Int32Array } {
  const before = Int32Array.from({ length: size }, (_, k) => Math.max(k - 1, 0));
  const after = Int32Array.from({ length: size }, (_, k) => Math.min(k + 1, size - 1));
  return { before, after };
}

/** The Sobel gradient's magnitude of `values`, the frame's edge repeated outward. */
function gradient(values: Float32Array, size: number): Float32Array {
  const { before, after } = neighbours(size);
  const out = new Float32Array(values.length);
  for (let y = 0; y < size; y++) {
    const up = (before[y] as number) * size;
    const row = y * size;
    const down = (after[y] as number) * size;
    for (let x = 0; x < size; x++) {
      const l = before[x] as number;
      const r = after[x] as number;
      const upLeft = values[up + l] as number;
      const upRight = values[up + r] as number;
      const downLeft = values[down + l] as number;
      const downRight = values[down + r] as number;
      const gx =
        upRight +
        2 * (values[row + r] as number) +
        downRight -
        (upLeft + 2 * (values[row + l] as number) + downLeft);
      const gy =
        downLeft +
        2 * (values[down + x] as number) +
        downRight -
        (upLeft + 2 * (values[up + x] as number) + upRight);
      out[row + x] = Math.sqrt(gx * gx + gy * gy);
    }
  }
  return out;
}

/** Each pixel's standard deviation over its 3 x 3 neighbourhood, the frame's edge repeated. */
function localSpread(values: Float32Array, size: number): Float32Array {
  const { before, after } = neighbours(size);
  const out = new Float32Array(values.length);
  for (let y = 0; y < size; y++) {
    const up = (before[y] as number) * size;
    const row = y * size;
    const down = (after[y] as number) * size;
    for (let x = 0; x < size; x++) {
      let sum = 0;
      let squares = 0;
      for (let k = 0; k < 3; k++) {
        const c = k === 0 ? (before[x] as number) : k === 1 ? x : (after[x] as number);
        const a = values[up + c] as number;
        const b = values[row + c] as number;
        const d = values[down + c] as number;
        sum += a + b + d;
        squares += a * a + b * b + d * d;
      }
      out[row + x] = Math.sqrt(Math.max(squares / 9 - (sum / 9) ** 2, 0));
    }
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
