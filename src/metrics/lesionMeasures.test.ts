import { describe, expect, it } from 'vitest';
import { LESION_MEASURES, lesionMeasures } from './lesionMeasures.ts';

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
    // A bluish lamp (red and green dimmed by a fifth) changes no measure by much: shades-of-grey
    // colour constancy takes it out.
    const lamp = imageOf(mask, twoTone).map((v, i) => (i % 3 === 2 ? v : Math.round(v * 0.8)));
    const lit = named(lesionMeasures(lamp, mask, SIZE));
    for (const name of LESION_MEASURES) expect(lit[name]).toBeCloseTo(m[name], 2);
  });
});
