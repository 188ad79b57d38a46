/**
 * The lesion's colours (pure), read after shades-of-grey colour constancy (Minkowski norm 6):
 * neither the colour nor the strength of a dermatoscope's light counts as the lesion's colour.
 *
 * Two readings: per RGB channel relative to the image's light (the lesion's mean and spread, the
 * skin's contrast, the brightness range), and in CIELAB, where distances are about as the eye
 * sees them (lightness, the red-green and yellow-blue axes, chroma, how much colour space the
 * lesion spans, and how its colour differs between its halves and between its centre and rim:
 * the ABCD rule's "C" and the colour part of its "A").
 */
import { alongAcross, type Axes, type Pixels } from './shape.ts';
import type { Raster } from './raster.ts';

/** Fewer skin pixels than this, and the whole image stands for the skin. */
const MIN_SKIN = 20;
/** The darkest share of the lesion whose place `darkestOffset` measures. */
const DARKEST = 0.1;

/** Each channel's light: the Minkowski-6 norm of its values (0–1) over the whole image. */
export function illuminant(pixels: Uint8Array): [number, number, number] {
  const count = pixels.length / 3;
  const channel = (c: number) => {
    let norm = 0;
    for (let p = 0; p < count; p++) {
      const v = (pixels[3 * p + c] as number) / 255;
      const square = v * v;
      norm += square * square * square;
    }
    return Math.max((norm / count) ** (1 / 6), 1e-6);
  };
  return [channel(0), channel(1), channel(2)];
}

/**
 * Per channel, each relative to its light: the lesion's means, spreads, the skin's mean less the
 * lesion's, and the lesion's brightness range (90th less 10th percentile).
 */
export function rgbMeasures(
  pixels: Uint8Array,
  { lesion }: Raster,
  light: readonly number[],
): number[] {
  const count = lesion.length;
  // Each channel over its light: the image's own light is 1 in every channel.
  const gain = light.map((v) => 1 / v / 255);
  const lesionPixels = lesion.reduce((n, v) => n + v, 0);
  const brightness = new Float64Array(lesionPixels);
  const sums = new Float64Array(12); // lesion sum, lesion squares, skin sum, whole sum, per channel
  const add = (k: number, v: number) => (sums[k] = (sums[k] as number) + v);
  let i = 0;
  for (let p = 0; p < count; p++) {
    const inLesion = lesion[p] === 1;
    let sum = 0;
    for (let c = 0; c < 3; c++) {
      const v = (pixels[3 * p + c] as number) * (gain[c] as number);
      sum += v;
      add(9 + c, v);
      if (inLesion) {
        add(c, v);
        add(3 + c, v * v);
      } else add(6 + c, v);
    }
    if (inLesion) brightness[i++] = sum / 3;
  }
  const n = lesionPixels;
  const skinPixels = count - n;
  const at = (k: number) => sums[k] as number;
  const means = [0, 1, 2].map((c) => at(c) / n);
  const spreads = [0, 1, 2].map((c) =>
    Math.sqrt(Math.max(at(3 + c) / n - (means[c] as number) ** 2, 0)),
  );
  const surround = [0, 1, 2].map((c) =>
    skinPixels >= MIN_SKIN ? at(6 + c) / skinPixels : at(9 + c) / count,
  );
  brightness.sort();
  return [
    ...means,
    ...spreads,
    ...surround.map((v, c) => v - (means[c] as number)),
    quantile(brightness, 0.9) - quantile(brightness, 0.1),
  ];
}

/** The sorted values' `q` quantile (the value at rank ⌊q n⌋). */
function quantile(sorted: Float64Array | Float32Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

const linear = (v: number) => (v > 0.04045 ? ((v + 0.055) / 1.055) ** 2.4 : v / 12.92);
const labCurve = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);

/**
 * The level the image's light is brought to before CIELAB: about the median light (Minkowski-6
 * norm, averaged over the channels) of HAM10000's photos, so that a typical photo keeps its
 * brightness, and a dimmer or brighter lamp reads the same.
 */
const LIGHT = 0.67;

/**
 * The image in CIELAB (D65), three values a pixel, after colour constancy: each channel over its
 * light, times `LIGHT`, clipped to white.
 */
export function labImage(pixels: Uint8Array, light: readonly number[]): Float32Array {
  // Each channel's 256 values, linearised, in a table: a power a pixel costs more than the rest.
  const tables = light.map((v) =>
    Float32Array.from({ length: 256 }, (_, k) => linear(Math.min((k / 255 / v) * LIGHT, 1))),
  ) as [Float32Array, Float32Array, Float32Array];
  const lab = new Float32Array(pixels.length);
  for (let p = 0; p < pixels.length; p += 3) {
    const r = tables[0][pixels[p] as number] as number;
    const g = tables[1][pixels[p + 1] as number] as number;
    const b = tables[2][pixels[p + 2] as number] as number;
    const x = labCurve((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.9505);
    const y = labCurve(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const z = labCurve((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.089);
    lab[p] = 116 * y - 16;
    lab[p + 1] = 500 * (x - y);
    lab[p + 2] = 200 * (y - z);
  }
  return lab;
}

/** The mean colour of the lesion pixels `pick` keeps (null where it keeps under three). */
function meanColour(lab: Float32Array, indices: readonly number[], pick: (i: number) => boolean) {
  const sum = [0, 0, 0];
  let n = 0;
  indices.forEach((p, i) => {
    if (!pick(i)) return;
    for (let c = 0; c < 3; c++) sum[c] = (sum[c] as number) + (lab[3 * p + c] as number);
    n++;
  });
  return n < 3 ? null : sum.map((v) => v / n);
}

/** The distance between two mean colours; 0 where either side is missing. */
const colourDistance = (a: number[] | null, b: number[] | null) =>
  a && b ? Math.hypot(...a.map((v, c) => v - (b[c] as number))) : 0;

/**
 * In CIELAB over the lesion: lightness and the two colour axes' means and spreads, chroma's mean
 * and spread, the colours' volume (the cube root of their covariance's determinant, as a
 * standard deviation), the mean colours' distance between the halves either side of each
 * principal axis (the larger, and the mean of both), between the centre and the rim (lightness
 * alone too), and how far from the centroid the darkest tenth lies (over the radius of a disc of
 * the lesion's area).
 */
export function labMeasures(
  lab: Float32Array,
  { size }: Raster,
  pixels: Pixels,
  axes: Axes,
  distance: Float32Array,
): number[] {
  const indices = pixels.xs.map((x, i) => (pixels.ys[i] as number) * size + x);
  const n = indices.length;
  const value = (i: number, c: number) => lab[3 * (indices[i] as number) + c] as number;
  const means = [0, 0, 0];
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) means[c] = (means[c] as number) + value(i, c);
  for (let c = 0; c < 3; c++) means[c] = (means[c] as number) / n;
  // The colours' covariance (upper triangle), and chroma's sums.
  const cov = [0, 0, 0, 0, 0, 0];
  const pairs = [
    [0, 0],
    [0, 1],
    [0, 2],
    [1, 1],
    [1, 2],
    [2, 2],
  ] as const;
  let chroma = 0;
  let chromaSquares = 0;
  for (let i = 0; i < n; i++) {
    const d = [0, 1, 2].map((c) => value(i, c) - (means[c] as number));
    pairs.forEach(
      ([a, b], k) => (cov[k] = (cov[k] as number) + (d[a] as number) * (d[b] as number)),
    );
    const h = Math.hypot(value(i, 1), value(i, 2));
    chroma += h;
    chromaSquares += h * h;
  }
  const [sLL, sLa, sLb, saa, sab, sbb] = cov.map((v) => v / n) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const determinant =
    sLL * (saa * sbb - sab * sab) - sLa * (sLa * sbb - sab * sLb) + sLb * (sLa * sab - saa * sLb);
  const chromaMean = chroma / n;
  // Halves either side of each principal axis.
  const offsets = pixels.xs.map((x, i) => alongAcross(axes, x, pixels.ys[i] as number));
  const halves = [0, 1].map((axis) =>
    colourDistance(
      meanColour(lab, indices, (i) => ((offsets[i] as number[])[axis] as number) > 0),
      meanColour(lab, indices, (i) => ((offsets[i] as number[])[axis] as number) <= 0),
    ),
  ) as [number, number];
  // Centre and rim: the lesion's deeper and shallower halves by distance from the skin.
  let deepest = 0;
  for (const p of indices) deepest = Math.max(deepest, distance[p] as number);
  const central = (i: number) => (distance[indices[i] as number] as number) > deepest / 2;
  const centre = meanColour(lab, indices, central);
  const rim = meanColour(lab, indices, (i) => !central(i));
  // Where the darkest tenth lies.
  const lightness = Float32Array.from({ length: n }, (_, i) => value(i, 0)).sort();
  const darkest = quantile(lightness, DARKEST);
  let dx = 0;
  let dy = 0;
  let dark = 0;
  for (let i = 0; i < n; i++) {
    if (value(i, 0) > darkest) continue;
    dx += pixels.xs[i] as number;
    dy += pixels.ys[i] as number;
    dark++;
  }
  return [
    ...means,
    Math.sqrt(sLL),
    Math.sqrt(saa),
    Math.sqrt(sbb),
    chromaMean,
    Math.sqrt(Math.max(chromaSquares / n - chromaMean ** 2, 0)),
    Math.max(determinant, 1e-9) ** (1 / 6),
    Math.max(...halves),
    (halves[0] + halves[1]) / 2,
    colourDistance(centre, rim),
    centre && rim ? (centre[0] as number) - (rim[0] as number) : 0,
    Math.hypot(dx / dark - axes.cx, dy / dark - axes.cy) / Math.sqrt(n / Math.PI),
  ];
}
