/**
 * Draws the web app's PNG icons (public/icon-192.png, public/icon-512.png and the full-bleed
 * public/icon-maskable-512.png) from the shapes of public/icon.svg: a rounded blue square, a skin
 * disc, a brown lesion with a radial gradient. Pure arithmetic with 4x4 samples per pixel, no
 * downloads and no randomness: the same pixels every run. The PNGs are committed; run
 * `npx tsx scripts/make-icons.ts` after changing the SVG's shapes here too.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';

type Rgb = readonly [number, number, number];

const hex = (value: string): Rgb => [
  parseInt(value.slice(1, 3), 16),
  parseInt(value.slice(3, 5), 16),
  parseInt(value.slice(5, 7), 16),
];

const ACCENT = hex('#2f5fd0');
const SKIN = hex('#f1d3bd');
const LESION_CENTRE = hex('#8b5a3c');
const LESION_EDGE = hex('#3b2418');

// The lesion ellipse, rotated by -18 degrees about its centre (cos and sin written out, so no
// engine's trigonometry can move a pixel).
const COS = 0.9510565162951535;
const SIN = -0.3090169943749474;

/** The colour at a point of the 512-unit icon, or null outside it. */
function colourAt(x: number, y: number, rounded: boolean): Rgb | null {
  if (rounded && !insideRoundedSquare(x, y, 512, 96)) return null;
  // The lesion first: it lies on the disc.
  const dx = x - 256;
  const dy = y - 262;
  // Into the ellipse's own axes: the inverse of a rotation by -18 degrees.
  const u = COS * dx + SIN * dy;
  const v = -SIN * dx + COS * dy;
  if ((u / 104) ** 2 + (v / 84) ** 2 <= 1) {
    const t = Math.min(1, Math.hypot(x - 226, y - 232) / 140);
    const mix = (from: number, to: number) => from + (to - from) * t;
    return [
      mix(LESION_CENTRE[0], LESION_EDGE[0]),
      mix(LESION_CENTRE[1], LESION_EDGE[1]),
      mix(LESION_CENTRE[2], LESION_EDGE[2]),
    ];
  }
  if ((x - 256) ** 2 + (y - 256) ** 2 <= 168 ** 2) return SKIN;
  return ACCENT;
}

function insideRoundedSquare(x: number, y: number, size: number, radius: number): boolean {
  if (x < 0 || y < 0 || x > size || y > size) return false;
  const cx = Math.min(Math.max(x, radius), size - radius);
  const cy = Math.min(Math.max(y, radius), size - radius);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

const SAMPLES = 4;

export function drawIcon(size: number, rounded: boolean): PNG {
  const png = new PNG({ width: size, height: size });
  const scale = 512 / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const colour = colourAt(
            (px + (sx + 0.5) / SAMPLES) * scale,
            (py + (sy + 0.5) / SAMPLES) * scale,
            rounded,
          );
          if (!colour) continue;
          r += colour[0];
          g += colour[1];
          b += colour[2];
          covered++;
        }
      }
      const at = (py * size + px) * 4;
      // Colours are averaged over the covered samples (straight alpha); alpha is the coverage.
      png.data[at] = covered ? Math.round(r / covered) : 0;
      png.data[at + 1] = covered ? Math.round(g / covered) : 0;
      png.data[at + 2] = covered ? Math.round(b / covered) : 0;
      png.data[at + 3] = Math.round((255 * covered) / SAMPLES ** 2);
    }
  }
  return png;
}

if (import.meta.filename === process.argv[1]) {
  const dir = join(import.meta.dirname, '..', 'public');
  const icons: [string, number, boolean][] = [
    ['icon-192.png', 192, true],
    ['icon-512.png', 512, true],
    ['icon-maskable-512.png', 512, false],
  ];
  for (const [name, size, rounded] of icons) {
    const bytes = PNG.sync.write(drawIcon(size, rounded), { colorType: rounded ? 6 : 2 });
    writeFileSync(join(dir, name), bytes);
    console.log(`public/${name}: ${size}x${size}, ${bytes.length} bytes`);
  }
}
