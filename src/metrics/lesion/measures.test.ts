import { describe, expect, it } from 'vitest';
import { LESION_MEASURES, lesionMeasures } from './measures.ts';

const SIZE = 64;

/** A mask of the pixels `inside` says are lesion. */
function maskOf(inside: (x: number, y: number) => boolean): Uint8Array {
  const mask = new Uint8Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) if (inside(x, y)) mask[y * SIZE + x] = 255;
  return mask;
}

/** An image of skin colour `skin` with the lesion's pixels coloured by `lesion`. */
function imageOf(
  mask: Uint8Array,
  lesion: (x: number, y: number) => readonly number[],
  skin: readonly number[] = [200, 160, 140],
): Uint8Array {
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const p = y * SIZE + x;
      pixels.set((mask[p] as number) >= 128 ? lesion(x, y) : skin, 3 * p);
    }
  return pixels;
}

const named = (values: number[] | null) => {
  if (!values) throw new Error('no measures');
  expect(values).toHaveLength(LESION_MEASURES.length);
  return Object.fromEntries(
    LESION_MEASURES.map((name, k) => [name, values[k] as number]),
  ) as Record<(typeof LESION_MEASURES)[number], number>;
};

const disc = (cx: number, cy: number, r: number) => (x: number, y: number) =>
  (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const brown = () => [90, 60, 40];

describe('lesionMeasures', () => {
  it('gives nothing for a mask without a lesion', () => {
    const empty = new Uint8Array(SIZE * SIZE);
    expect(lesionMeasures(imageOf(empty, brown), empty, SIZE)).toBeNull();
  });

  it("measures a disc's size and finds it round, symmetric and convex", () => {
    const mask = maskOf(disc(32, 32, 12));
    const m = named(lesionMeasures(imageOf(mask, brown), mask, SIZE));
    const area = mask.reduce((n, v) => n + (v ? 1 : 0), 0);
    expect(m.area).toBeCloseTo(area / SIZE ** 2, 10);
    expect(m.area).toBeCloseTo((Math.PI * 144) / SIZE ** 2, 2);
    expect(m.frameEdge).toBe(0);
    expect(m.elongation).toBeCloseTo(1, 2);
    expect(m.asymmetry).toBeLessThan(0.02);
    expect(m.solidity).toBeGreaterThan(0.93);
    expect(m.solidity).toBeLessThanOrEqual(1);
    expect(m.border).toBeCloseTo(1, 1);
    // A uniform lesion has no colour spread.
    expect(m.spreadRed).toBeCloseTo(0, 10);
    expect(m.brightnessRange).toBeCloseTo(0, 10);
  });

  it('tells an elongated, lopsided, ragged lesion from a disc', () => {
    const round = maskOf(disc(32, 32, 12));
    const roundM = named(lesionMeasures(imageOf(round, brown), round, SIZE));
    // An ellipse with axes 24 and 8, at 30°.
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const ellipse = maskOf((x, y) => {
      const u = (x - 32) * c + (y - 32) * s;
      const v = -(x - 32) * s + (y - 32) * c;
      return (u / 24) ** 2 + (v / 8) ** 2 <= 1;
    });
    const ellipseM = named(lesionMeasures(imageOf(ellipse, brown), ellipse, SIZE));
    expect(ellipseM.elongation).toBeCloseTo(3, 0);
    expect(ellipseM.asymmetry).toBeLessThan(0.05);
    // A teardrop: a disc with a second, smaller disc to one side (symmetric about one axis only).
    const teardrop = maskOf((x, y) => disc(28, 32, 12)(x, y) || disc(44, 32, 7)(x, y));
    const teardropM = named(lesionMeasures(imageOf(teardrop, brown), teardrop, SIZE));
    expect(teardropM.asymmetry).toBeGreaterThan(roundM.asymmetry + 0.05);
    // A star: ragged border, concave.
    const star = maskOf((x, y) => {
      const r = Math.hypot(x - 32, y - 32);
      return r <= 14 + 6 * Math.cos(7 * Math.atan2(y - 32, x - 32));
    });
    const starM = named(lesionMeasures(imageOf(star, brown), star, SIZE));
    expect(starM.border).toBeGreaterThan(roundM.border * 1.3);
    expect(starM.solidity).toBeLessThan(0.85);
  });

  it('measures how much of the frame edge a lesion touches', () => {
    const leftHalf = maskOf((x) => x < 32);
    const m = named(lesionMeasures(imageOf(leftHalf, brown), leftHalf, SIZE));
    // The left edge (64 pixels) and half of the top and bottom edges, of 4 x 64 - 4.
    expect(m.frameEdge).toBeCloseTo((64 + 31 + 31) / 252, 10);
  });

  it('reads colours, their spread and the contrast with the skin, under any lighting', () => {
    const mask = maskOf(disc(32, 32, 14));
    // Half the lesion dark brown, half light brown: the spread is half the difference.
    const twoTone = (x: number) => (x < 32 ? [60, 40, 30] : [140, 100, 70]);
    const m = named(lesionMeasures(imageOf(mask, twoTone), mask, SIZE));
    const plain = named(lesionMeasures(imageOf(mask, brown), mask, SIZE));
    expect(m.spreadRed).toBeGreaterThan(m.spreadBlue);
    // On grey skin, a lesion half 60, half 140: its mean, spread and contrast.
    const grey = (x: number) => (x < 32 ? [60, 60, 60] : [140, 140, 140]);
    const g = named(lesionMeasures(imageOf(mask, grey, [200, 200, 200]), mask, SIZE));
    let dark = 0;
    let all = 0;
    mask.forEach((v, p) => {
      all += v ? 1 : 0;
      dark += v && p % SIZE < 32 ? 1 : 0;
    });
    const share = dark / all;
    const mean = 60 * share + 140 * (1 - share);
    // Colours are relative to the image's light, so only their ratios are known here.
    expect(g.spreadRed / g.meanGreen).toBeCloseTo((80 * Math.sqrt(share * (1 - share))) / mean, 6);
    expect(g.contrastBlue / g.meanGreen).toBeCloseTo((200 - mean) / mean, 6);
    expect(m.brightnessRange).toBeGreaterThan(0.2);
    // The skin is lighter than the lesion in every channel.
    expect(plain.contrastRed).toBeGreaterThan(0.2);
    expect(plain.contrastBlue).toBeGreaterThan(0.2);
    // A bluish lamp (red and green dimmed by a fifth) changes no measure by much, nor does a
    // dimmer one: shades-of-grey colour constancy takes both out (up to the images' rounding).
    const photo = imageOf(mask, twoTone);
    for (const lamp of [
      photo.map((v, i) => (i % 3 === 2 ? v : Math.round(v * 0.8))),
      photo.map((v) => Math.round(v * 0.7)),
    ]) {
      const lit = named(lesionMeasures(lamp, mask, SIZE));
      for (const name of LESION_MEASURES)
        expect(Math.abs(lit[name] - m[name]), name).toBeLessThan(
          0.02 * Math.max(1, Math.abs(m[name])),
        );
    }
  });

  it('reads colours in CIELAB: lightness, hue axes, chroma and how much colour the lesion spans', () => {
    const mask = maskOf(disc(32, 32, 14));
    const grey = named(
      lesionMeasures(
        imageOf(mask, () => [90, 90, 90], [200, 200, 200]),
        mask,
        SIZE,
      ),
    );
    expect(grey.redGreen).toBeCloseTo(0, 1);
    expect(grey.yellowBlue).toBeCloseTo(0, 1);
    expect(grey.chroma).toBeCloseTo(0, 1);
    expect(grey.lightnessSpread).toBeCloseTo(0, 3);
    // Brown on the same skin: redder and yellower than grey, as light; darker brown, darker.
    const skin = [200, 200, 200];
    const brownish = named(
      lesionMeasures(
        imageOf(mask, () => [120, 80, 50], skin),
        mask,
        SIZE,
      ),
    );
    const darker = named(
      lesionMeasures(
        imageOf(mask, () => [60, 40, 25], skin),
        mask,
        SIZE,
      ),
    );
    expect(brownish.redGreen).toBeGreaterThan(5);
    expect(brownish.yellowBlue).toBeGreaterThan(10);
    expect(brownish.chroma).toBeGreaterThan(15);
    expect(darker.lightness).toBeLessThan(brownish.lightness - 15);
    // Brown speckled with blue-grey, red and near-black spans colour space (fewer than four
    // colours span a plane at most: no volume).
    const palette = [
      [120, 80, 50],
      [70, 80, 110],
      [160, 60, 60],
      [40, 30, 30],
    ];
    const speckled = (x: number, y: number) => palette[(x * 7 + y * 13) % 4] as number[];
    const mixed = named(lesionMeasures(imageOf(mask, speckled, skin), mask, SIZE));
    expect(mixed.colourVolume).toBeGreaterThan(brownish.colourVolume + 1);
    expect(mixed.yellowBlueSpread).toBeGreaterThan(5);
  });

  it("finds where the colours lie: between halves, centre and rim, and the darkest part's place", () => {
    const mask = maskOf(disc(32, 32, 14));
    const skin = [210, 170, 150];
    // Dark on the left, light on the right: asymmetric in colour, and the darkest far from the
    // centroid.
    const halves = named(
      lesionMeasures(
        imageOf(mask, (x) => (x < 32 ? [60, 40, 30] : [150, 110, 80])),
        mask,
        SIZE,
      ),
    );
    // Dark in the middle, light at the rim: symmetric, but centre and rim differ.
    const rings = named(
      lesionMeasures(
        imageOf(
          mask,
          (x, y) => (Math.hypot(x - 32, y - 32) < 9 ? [60, 40, 30] : [150, 110, 80]),
          skin,
        ),
        mask,
        SIZE,
      ),
    );
    expect(halves.colourAsymmetry).toBeGreaterThan(20);
    expect(rings.colourAsymmetry).toBeLessThan(2);
    expect(rings.colourAsymmetryMean).toBeLessThan(halves.colourAsymmetryMean / 5);
    expect(rings.centreToRim).toBeGreaterThan(20);
    expect(rings.centreToRimLightness).toBeLessThan(-20);
    expect(Math.abs(halves.centreToRimLightness)).toBeLessThan(5);
    expect(rings.darkestOffset).toBeLessThan(0.15);
    expect(halves.darkestOffset).toBeGreaterThan(0.4);
  });

  it('reads texture inside the lesion and how sharply and evenly its border meets the skin', () => {
    const mask = maskOf(disc(32, 32, 16));
    const skin = [210, 170, 150];
    const plain = named(lesionMeasures(imageOf(mask, brown, skin), mask, SIZE));
    // A network of darker lines every fourth pixel.
    const netted = named(
      lesionMeasures(
        imageOf(mask, (x, y) => (x % 4 === 0 || y % 4 === 0 ? [50, 30, 20] : [110, 75, 50]), skin),
        mask,
        SIZE,
      ),
    );
    expect(plain.textureInside).toBeLessThan(1e-3);
    expect(netted.textureInside).toBeGreaterThan(20);
    expect(netted.localContrast).toBeGreaterThan(5);
    expect(netted.textureSpread).toBeGreaterThan(plain.textureSpread);
    // The same lesion fading into the skin over its outer 5 pixels, all round or on its left only.
    const fade = (everywhere: boolean) => (x: number, y: number) => {
      const t =
        everywhere || x < 32 ? Math.min(Math.max((16 - Math.hypot(x - 32, y - 32)) / 5, 0), 1) : 1;
      return brown().map((v, c) => Math.round(t * v + (1 - t) * (skin[c] as number)));
    };
    const faded = named(lesionMeasures(imageOf(mask, fade(true), skin), mask, SIZE));
    const half = named(lesionMeasures(imageOf(mask, fade(false), skin), mask, SIZE));
    expect(plain.borderSharpness).toBeGreaterThan(3 * faded.borderSharpness);
    expect(half.borderSharpnessVariation).toBeGreaterThan(
      2 * Math.max(plain.borderSharpnessVariation, faded.borderSharpnessVariation),
    );
  });
});
