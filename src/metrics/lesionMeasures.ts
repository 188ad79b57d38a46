/**
 * What a dermatologist measures of a lesion by eye, measured on its mask and photo (pure): the
 * ABCD rule's asymmetry, border, colours and size. Masking measures every image with the mask it
 * applies, Diagnose measures the photo with its own, and the clinical model (clinical.ts) weighs
 * the measures beside age, sex and site.
 *
 * Why beside the network: the classifier sees the lesion's square, zoomed (lesionCrop.ts), and
 * black outside the mask, so it sees neither the lesion's size in the frame nor the skin around
 * it; and at a few dozen pixels a from-scratch network reads colour variegation less well than a
 * standard deviation does. On HAM10000 these measures and age, sex and site alone rank melanoma at
 * test AUC 0.86, about as well as the network (docs/performance.md).
 *
 * Every measure is on the stored image (`size` x `size` RGB) and its mask (0 or 255, lesion ≥ 128).
 * Colours are read after shades-of-grey colour constancy (Minkowski norm 6), as the classifier's
 * input is, each channel over the image's illuminant: neither the colour nor the strength of a
 * dermatoscope's light counts as the lesion's colour.
 */

/** The measures, in the order `lesionMeasures` returns them. */
export const LESION_MEASURES = [
  // Size: the lesion's share of the frame, and of the frame's edge it touches.
  'area',
  'frameEdge',
  // Border: the border pixels over a digital disc's of the same area (about 1 for a disc, more
  // for a ragged edge).
  'border',
  // Shape: area over the convex hull's (of the pixels' squares: near 1 for a convex lesion, less for a
  // lobed one), the principal axes' ratio, and asymmetry (the share of
  // the lesion that its mirror image about each principal axis misses, averaged).
  'solidity',
  'elongation',
  'asymmetry',
  // Colour: the lesion's mean and spread per channel, the skin's mean less the lesion's, and the
  // spread of brightness (90th less 10th percentile).
  'meanRed',
  'meanGreen',
  'meanBlue',
  'spreadRed',
  'spreadGreen',
  'spreadBlue',
  'contrastRed',
  'contrastGreen',
  'contrastBlue',
  'brightnessRange',
] as const;

/**
 * A digital disc of radius r has about 4√2 r border pixels (pixels with a 4-neighbour outside),
 * not 2π r: 0.90 of a circle's perimeter, for any r from 5 to 60 pixels.
 */
const DISC_BORDER = 4 * Math.SQRT2;
/** A lesion needs this many mask pixels to be measured. */
const MIN_PIXELS = 8;
/** Fewer skin pixels than this, and the whole image stands for the skin. */
const MIN_SKIN = 20;

/** The measures of the lesion in `mask`, in `LESION_MEASURES` order; null for an empty mask. */
export function lesionMeasures(
  pixels: Uint8Array,
  mask: Uint8Array,
  size: number,
): number[] | null {
  const inside = (x: number, y: number) =>
    x >= 0 && y >= 0 && x < size && y < size && (mask[y * size + x] as number) >= 128;
  const xs: number[] = [];
  const ys: number[] = [];
  // The convex hull of the border pixels is the lesion's: only they are kept for it.
  const edgeXs: number[] = [];
  const edgeYs: number[] = [];
  let frameEdge = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!inside(x, y)) continue;
      xs.push(x);
      ys.push(y);
      if (!inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) || !inside(x, y + 1)) {
        // The pixel's four corners: the hull is of the pixels' squares, not of their centres.
        edgeXs.push(x - 0.5, x + 0.5, x - 0.5, x + 0.5);
        edgeYs.push(y - 0.5, y - 0.5, y + 0.5, y + 0.5);
      }
      if (x === 0 || y === 0 || x === size - 1 || y === size - 1) frameEdge++;
    }
  }
  const area = xs.length;
  if (area < MIN_PIXELS) return null;
  const shape = shapeMeasures(xs, ys, inside);
  return [
    area / (size * size),
    frameEdge / (4 * size - 4),
    edgeXs.length / 4 / (DISC_BORDER * Math.sqrt(area / Math.PI)),
    area / Math.max(hullArea(edgeXs, edgeYs), 1),
    shape.elongation,
    shape.asymmetry,
    ...colourMeasures(pixels, mask),
  ];
}

/** Elongation and asymmetry about the principal axes of the lesion's pixels. */
function shapeMeasures(
  xs: readonly number[],
  ys: readonly number[],
  inside: (x: number, y: number) => boolean,
): { elongation: number; asymmetry: number } {
  const n = xs.length;
  const cx = xs.reduce((a, b) => a + b, 0) / n;
  const cy = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - cx;
    const dy = (ys[i] as number) - cy;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  sxx /= n;
  syy /= n;
  sxy /= n;
  // The covariance's eigenvalues, and the major axis's direction.
  const half = Math.sqrt(((sxx - syy) / 2) ** 2 + sxy * sxy);
  const major = (sxx + syy) / 2 + half;
  const minor = Math.max((sxx + syy) / 2 - half, 1e-9);
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  // Each pixel mirrored about the major axis (its offset along the minor axis negated), then
  // about the minor axis: the share that lands outside the lesion.
  let missed = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - cx;
    const dy = (ys[i] as number) - cy;
    const along = dx * ux + dy * uy;
    const across = -dx * uy + dy * ux;
    const aboutMajor = [cx + along * ux + across * uy, cy + along * uy - across * ux];
    const aboutMinor = [cx - along * ux - across * uy, cy - along * uy + across * ux];
    for (const [x, y] of [aboutMajor, aboutMinor])
      if (!inside(Math.round(x as number), Math.round(y as number))) missed++;
  }
  return { elongation: Math.sqrt(major / minor), asymmetry: missed / (2 * n) };
}

/** The area of the convex hull of the pixel centres (Andrew's monotone chain, shoelace). */
function hullArea(xs: readonly number[], ys: readonly number[]): number {
  const points = xs.map((x, i) => [x, ys[i] as number] as const);
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: readonly number[], a: readonly number[], b: readonly number[]) =>
    ((a[0] as number) - (o[0] as number)) * ((b[1] as number) - (o[1] as number)) -
    ((a[1] as number) - (o[1] as number)) * ((b[0] as number) - (o[0] as number));
  const chain = (ordered: readonly (readonly [number, number])[]) => {
    const out: (readonly [number, number])[] = [];
    for (const p of ordered) {
      while (
        out.length >= 2 &&
        cross(
          out[out.length - 2] as readonly number[],
          out[out.length - 1] as readonly number[],
          p,
        ) <= 0
      )
        out.pop();
      out.push(p);
    }
    out.pop();
    return out;
  };
  const hull = [...chain(points), ...chain([...points].reverse())];
  let twice = 0;
  hull.forEach((p, i) => {
    const q = hull[(i + 1) % hull.length] as readonly [number, number];
    twice += p[0] * q[1] - q[0] * p[1];
  });
  return Math.abs(twice) / 2;
}

/** The colour measures, after shades-of-grey colour constancy of the whole image. */
function colourMeasures(pixels: Uint8Array, mask: Uint8Array): number[] {
  const count = mask.length;
  const channel = (c: number) => {
    let norm = 0;
    for (let p = 0; p < count; p++) {
      const v = (pixels[3 * p + c] as number) / 255;
      const square = v * v;
      norm += square * square * square;
    }
    return Math.max((norm / count) ** (1 / 6), 1e-6);
  };
  // Each channel over its illuminant: the image's own light is 1 in every channel.
  const gain = [channel(0), channel(1), channel(2)].map((v) => 1 / v / 255);
  const lesionPixels = mask.reduce((n, v) => n + (v >= 128 ? 1 : 0), 0);
  const brightness = new Float64Array(lesionPixels);
  const sums = new Float64Array(12); // lesion sum, lesion squares, skin sum, whole sum, per channel
  const add = (k: number, v: number) => (sums[k] = (sums[k] as number) + v);
  let i = 0;
  for (let p = 0; p < count; p++) {
    const inLesion = (mask[p] as number) >= 128;
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
  const quantile = (q: number) => brightness[Math.min(n - 1, Math.floor(q * n))] as number;
  return [
    ...means,
    ...spreads,
    ...surround.map((v, c) => v - (means[c] as number)),
    quantile(0.9) - quantile(0.1),
  ];
}
