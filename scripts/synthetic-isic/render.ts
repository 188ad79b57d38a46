/**
 * Renders one synthetic dermoscopy image and its lesion mask. The three classes differ the way real
 * lesions do (ABCD rule: asymmetry, border, colour, diameter), so a model can learn them:
 * - nevus: small, round, symmetric, one even brown, soft regular border;
 * - seborrheic keratosis: medium, oval, sharp "stuck-on" border, light waxy tan, rough texture with
 *   milia-like pale dots;
 * - melanoma: large, asymmetric, irregular notched border, several colours including blue-grey and
 *   black blotches.
 * Every image has a skin-tone background with shading and noise, a few hairs and a dark vignette.
 */
import type { LesionClass } from '../../src/dataset/types.ts';
import { Random } from '../../src/lib/random.ts';
import { ValueNoise, lerp } from './noise.ts';

export interface RenderedLesion {
  width: number;
  height: number;
  /** Interleaved RGB, width * height * 3 bytes. */
  rgb: Uint8Array;
  /** One byte per pixel: 255 inside the lesion, 0 outside. */
  mask: Uint8Array;
}

type Rgb = readonly [number, number, number];

interface ClassLook {
  /** Lesion radius as a fraction of the image's shorter side. */
  radius: [number, number];
  /** Ratio of the long to the short axis. */
  elongation: [number, number];
  /** Amplitude of the low-order (k = 1..3) border harmonics: asymmetry. */
  asymmetry: number;
  /** Amplitude of the high-order (k = 5..13) border harmonics: notches and irregularity. */
  irregularity: number;
  /** Width of the blended rim as a fraction of the radius: 0 is a knife edge. */
  edgeSoftness: number;
  /** Pigment colours mixed by low-frequency noise; the first is the dominant one. */
  palette: readonly Rgb[];
  /** Amplitude of fine texture noise, in grey levels. */
  roughness: number;
}

const LOOKS: Record<LesionClass, ClassLook> = {
  nevus: {
    radius: [0.12, 0.19],
    elongation: [1.0, 1.15],
    asymmetry: 0.03,
    irregularity: 0.01,
    edgeSoftness: 0.18,
    palette: [[140, 88, 60]],
    roughness: 4,
  },
  seborrheic_keratosis: {
    radius: [0.18, 0.27],
    elongation: [1.15, 1.45],
    asymmetry: 0.05,
    irregularity: 0.015,
    edgeSoftness: 0.02,
    palette: [
      [188, 146, 100],
      [165, 120, 80],
    ],
    roughness: 26,
  },
  melanoma: {
    radius: [0.24, 0.33],
    elongation: [1.1, 1.5],
    asymmetry: 0.16,
    irregularity: 0.06,
    edgeSoftness: 0.08,
    palette: [
      [92, 52, 36],
      [35, 24, 24],
      [78, 88, 118],
      [150, 98, 68],
      [196, 178, 178],
    ],
    roughness: 8,
  },
};

/** Angular resolution of the tabulated lesion border. */
const BORDER_STEPS = 2048;

const SKIN_TONES: readonly Rgb[] = [
  [232, 190, 172],
  [224, 178, 150],
  [210, 160, 130],
  [238, 200, 180],
  [198, 146, 116],
];

interface Hair {
  x0: number;
  y0: number;
  cx: number;
  cy: number;
  x1: number;
  y1: number;
  width: number;
}

/** Renders one image of the given class; the same seed always yields the same pixels. */
export function renderLesion(
  lesionClass: LesionClass,
  width: number,
  height: number,
  seed: number,
): RenderedLesion {
  const random = new Random(seed);
  const look = LOOKS[lesionClass];
  const shortSide = Math.min(width, height);

  const skin = random.pick(SKIN_TONES).map((c) => c + random.uniform(-10, 10)) as unknown as Rgb;
  const shading = new ValueNoise(random);
  const pigment = new ValueNoise(random);
  const texture = new ValueNoise(random);

  const radius = random.uniform(look.radius[0], look.radius[1]) * shortSide;
  const elongation = random.uniform(look.elongation[0], look.elongation[1]);
  const angle = random.uniform(0, Math.PI);
  const cx = width / 2 + random.uniform(-0.08, 0.08) * width;
  const cy = height / 2 + random.uniform(-0.08, 0.08) * height;
  const harmonics = Array.from({ length: 13 }, (_, i) => {
    const k = i + 1;
    const amplitude = k <= 3 ? look.asymmetry : k >= 5 ? look.irregularity : look.irregularity / 2;
    return {
      k,
      amplitude: amplitude * random.uniform(0.4, 1),
      phase: random.uniform(0, 2 * Math.PI),
    };
  });
  // The border radius as a function of angle, tabulated once (a per-pixel sum of 13 cosines is slow).
  const border = new Float32Array(BORDER_STEPS + 1);
  for (let s = 0; s <= BORDER_STEPS; s++) {
    const theta = (s / BORDER_STEPS) * 2 * Math.PI - Math.PI;
    border[s] =
      1 + harmonics.reduce((sum, h) => sum + h.amplitude * Math.cos(h.k * theta + h.phase), 0);
  }
  const borderAt = (theta: number): number =>
    border[Math.round(((theta + Math.PI) / (2 * Math.PI)) * BORDER_STEPS)] as number;

  const colourCell = Math.max(4, radius / 2.5);
  const vignetteStrength = random.uniform(0.55, 0.95);
  const vignetteStart = random.uniform(0.75, 0.95);
  const cysts = lesionClass === 'seborrheic_keratosis' ? makeCysts(random, radius) : [];
  const hairs = drawHairs(makeHairs(random, width, height), width, height);

  const rgb = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(width * height);
  const cosA = Math.cos(angle);
  const sinA = Math.sin(angle);
  const halfDiagonal = Math.hypot(width, height) / 2;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Skin: tone, broad shading, fine grain.
      const shade = 1 + 0.06 * shading.at(x, y, shortSide / 3);
      let r = skin[0] * shade;
      let g = skin[1] * shade;
      let b = skin[2] * shade;

      // Lesion: polar distance normalised by the border radius at this angle (< 1 is inside).
      const dx = x - cx;
      const dy = y - cy;
      const u = (dx * cosA + dy * sinA) / elongation;
      const v = -dx * sinA + dy * cosA;
      const d = Math.hypot(u, v) / (radius * borderAt(Math.atan2(v, u)));
      if (d < 1) mask[i] = 255;
      const soft = Math.max(look.edgeSoftness, 0.01);
      const alpha = Math.min(1, Math.max(0, (1 + soft / 2 - d) / soft));
      if (alpha > 0) {
        const [lr, lg, lb] = lesionColour(look, pigment, texture, x - cx, y - cy, d, colourCell);
        let cr = lr;
        let cg = lg;
        let cb = lb;
        for (const cyst of cysts) {
          const c = 1 - Math.hypot(dx - cyst.x, dy - cyst.y) / cyst.r;
          if (c > 0) {
            cr = lerp(cr, 236, c);
            cg = lerp(cg, 222, c);
            cb = lerp(cb, 190, c);
          }
        }
        r = lerp(r, cr, alpha);
        g = lerp(g, cg, alpha);
        b = lerp(b, cb, alpha);
      }

      // Hairs lie over skin and lesion alike; the mask ignores them, as ISIC masks do.
      const hair = hairs[i] as number;
      if (hair > 0) {
        r = lerp(r, 45, hair);
        g = lerp(g, 32, hair);
        b = lerp(b, 28, hair);
      }

      // Dermoscope vignette and sensor noise.
      const rho = Math.hypot(x - width / 2, y - height / 2) / halfDiagonal;
      const t = Math.min(1, Math.max(0, (rho - vignetteStart) / (1.05 - vignetteStart)));
      const dark = 1 - vignetteStrength * t * t * (3 - 2 * t);
      rgb[i * 3] = clampByte(r * dark + grain(random));
      rgb[i * 3 + 1] = clampByte(g * dark + grain(random));
      rgb[i * 3 + 2] = clampByte(b * dark + grain(random));
    }
  }
  return { width, height, rgb, mask };
}

function lesionColour(
  look: ClassLook,
  pigment: ValueNoise,
  texture: ValueNoise,
  x: number,
  y: number,
  d: number,
  cell: number,
): Rgb {
  const base = look.palette[0] as Rgb;
  let colour: [number, number, number] = [base[0], base[1], base[2]];
  // Further colours appear where a low-frequency field crosses a per-colour level: blotches.
  for (let k = 1; k < look.palette.length; k++) {
    const other = look.palette[k] as Rgb;
    const field = pigment.at(x + 97 * k, y - 53 * k, cell);
    const weight = Math.min(1, Math.max(0, (field - 0.15) * 3));
    colour = [
      lerp(colour[0], other[0], weight),
      lerp(colour[1], other[1], weight),
      lerp(colour[2], other[2], weight),
    ];
  }
  // Centres are a little darker than rims; texture adds roughness.
  const centre = 1 - 0.12 * (1 - Math.min(1, d));
  const grain = look.roughness * texture.at(x, y, 2.5);
  return [colour[0] * centre + grain, colour[1] * centre + grain, colour[2] * centre + grain];
}

function makeCysts(random: Random, radius: number): { x: number; y: number; r: number }[] {
  return Array.from({ length: random.int(3, 8) }, () => {
    const theta = random.uniform(0, 2 * Math.PI);
    const rho = random.uniform(0, 0.7) * radius;
    return { x: rho * Math.cos(theta), y: rho * Math.sin(theta), r: random.uniform(1.2, 2.6) };
  });
}

function makeHairs(random: Random, width: number, height: number): Hair[] {
  return Array.from({ length: random.int(0, 4) }, () => ({
    x0: random.uniform(0, width),
    y0: random.uniform(0, height),
    cx: random.uniform(0, width),
    cy: random.uniform(0, height),
    x1: random.uniform(0, width),
    y1: random.uniform(0, height),
    width: random.uniform(0.6, 1.4),
  }));
}

/** Rasterises the hairs (quadratic Bézier curves) into a coverage map with values in [0, 1]. */
function drawHairs(hairs: readonly Hair[], width: number, height: number): Float32Array {
  const cover = new Float32Array(width * height);
  for (const h of hairs) {
    const length = Math.hypot(h.cx - h.x0, h.cy - h.y0) + Math.hypot(h.x1 - h.cx, h.y1 - h.cy);
    const steps = Math.ceil(length * 2);
    const reach = h.width + 0.5;
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      const px = (1 - t) * (1 - t) * h.x0 + 2 * (1 - t) * t * h.cx + t * t * h.x1;
      const py = (1 - t) * (1 - t) * h.y0 + 2 * (1 - t) * t * h.cy + t * t * h.y1;
      for (
        let y = Math.max(0, Math.floor(py - reach));
        y <= Math.min(height - 1, py + reach);
        y++
      ) {
        for (
          let x = Math.max(0, Math.floor(px - reach));
          x <= Math.min(width - 1, px + reach);
          x++
        ) {
          const c = 1 - Math.hypot(x - px, y - py) / reach;
          const i = y * width + x;
          if (c > (cover[i] as number)) cover[i] = c;
        }
      }
    }
  }
  return cover;
}

/** Sensor grain: a cheap bell-shaped draw (sum of three uniforms), standard deviation about 3. */
function grain(random: Random): number {
  return (random.next() + random.next() + random.next() - 1.5) * 6;
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : Math.round(value);
}
