/**
 * The lesion's shape (pure): its principal axes, elongation, asymmetry about the axes, and the
 * area of its convex hull.
 */
import { inside, type Raster } from './raster.ts';

/** The lesion's centroid and major axis's direction, and the variances along its two axes. */
export interface Axes {
  cx: number;
  cy: number;
  /** The major axis's unit direction. */
  ux: number;
  uy: number;
  major: number;
  minor: number;
}

/** The lesion pixels' coordinates, in raster order. */
export interface Pixels {
  xs: readonly number[];
  ys: readonly number[];
}

export function principalAxes({ xs, ys }: Pixels): Axes {
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
  const angle = 0.5 * Math.atan2(2 * sxy, sxx - syy);
  return {
    cx,
    cy,
    ux: Math.cos(angle),
    uy: Math.sin(angle),
    major: (sxx + syy) / 2 + half,
    minor: Math.max((sxx + syy) / 2 - half, 1e-9),
  };
}

/** A pixel's offsets from the centroid along the major axis and across it (the minor axis). */
export function alongAcross(axes: Axes, x: number, y: number): [number, number] {
  const dx = x - axes.cx;
  const dy = y - axes.cy;
  return [dx * axes.ux + dy * axes.uy, -dx * axes.uy + dy * axes.ux];
}

/** The principal axes' ratio, and the share of the lesion its mirror images about them miss. */
export function shapeMeasures(
  pixels: Pixels,
  axes: Axes,
  { size, lesion }: Raster,
): { elongation: number; asymmetry: number } {
  const { cx, cy, ux, uy } = axes;
  const n = pixels.xs.length;
  // Each pixel mirrored about the major axis (its offset along the minor axis negated), then
  // about the minor axis: the share that lands outside the lesion.
  let missed = 0;
  for (let i = 0; i < n; i++) {
    const [along, across] = alongAcross(axes, pixels.xs[i] as number, pixels.ys[i] as number);
    const aboutMajor = [cx + along * ux + across * uy, cy + along * uy - across * ux];
    const aboutMinor = [cx - along * ux - across * uy, cy - along * uy + across * ux];
    for (const [x, y] of [aboutMajor, aboutMinor])
      if (!inside(lesion, size, Math.round(x as number), Math.round(y as number))) missed++;
  }
  return { elongation: Math.sqrt(axes.major / axes.minor), asymmetry: missed / (2 * n) };
}

/** The area of the convex hull of the points (Andrew's monotone chain, shoelace). */
export function hullArea(xs: readonly number[], ys: readonly number[]): number {
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
