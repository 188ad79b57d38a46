/**
 * What a dermatologist measures of a lesion by eye, measured on its mask and photo (pure): the
 * ABCD rule's asymmetry, border, colours and size, and the texture inside and along the border.
 * Masking measures every image with the mask it applies, Diagnose measures the photo with its own,
 * and the clinical model (../clinical.ts) weighs the measures beside age, sex and site.
 *
 * Why beside the network: the classifier sees the lesion's square, zoomed (lesionCrop.ts), and
 * black outside the mask, so it sees neither the lesion's size in the frame nor the skin around
 * it; and at a few dozen pixels a from-scratch network reads colour variegation and texture less
 * well than a standard deviation does. On HAM10000 these measures and age, sex and site alone
 * rank melanoma at test AUC 0.88, better than the cpu preset's network does from the image (0.86;
 * docs/performance.md).
 *
 * Every measure is on the stored image (`size` x `size` RGB) and its mask (0 or 255, lesion ≥ 128).
 * Colours are read after colour constancy (colour.ts).
 */
import { illuminant, labImage, labMeasures, rgbMeasures } from './colour.ts';
import { distanceFromSkin, inside, rasterOf } from './raster.ts';
import { hullArea, principalAxes, shapeMeasures } from './shape.ts';
import { textureMeasures } from './texture.ts';

/** The measures, in the order `lesionMeasures` returns them. */
export const LESION_MEASURES = [
  // Size: the lesion's share of the frame, and of the frame's edge it touches.
  'area',
  'frameEdge',
  // Border: the border pixels over a digital disc's of the same area (about 1 for a disc, more
  // for a ragged edge).
  'border',
  // Shape: area over the convex hull's (of the pixels' squares: near 1 for a convex lesion, less
  // for a lobed one), the principal axes' ratio, and asymmetry (the share of the lesion that its
  // mirror image about each principal axis misses, averaged).
  'solidity',
  'elongation',
  'asymmetry',
  // Colour per channel, relative to the image's light: the lesion's mean and spread, the skin's
  // mean less the lesion's, and the spread of brightness (90th less 10th percentile).
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
  // Colour in CIELAB: lightness and the red-green and yellow-blue axes, their means and spreads,
  // chroma's mean and spread, and the colours' volume.
  'lightness',
  'redGreen',
  'yellowBlue',
  'lightnessSpread',
  'redGreenSpread',
  'yellowBlueSpread',
  'chroma',
  'chromaSpread',
  'colourVolume',
  // Where the colours lie: the mean colours' distance between the halves either side of each
  // principal axis (the larger, and the mean of both), between the centre and the rim (and in
  // lightness alone), and the darkest tenth's distance from the centroid.
  'colourAsymmetry',
  'colourAsymmetryMean',
  'centreToRim',
  'centreToRimLightness',
  'darkestOffset',
  // Texture on lightness: the gradient inside (mean, spread), along the border (mean, and its
  // coefficient of variation: a border sharp in places and fading in others), and the mean 3 x 3
  // spread inside.
  'textureInside',
  'textureSpread',
  'borderSharpness',
  'borderSharpnessVariation',
  'localContrast',
] as const;

/**
 * A digital disc of radius r has about 4√2 r border pixels (pixels with a 4-neighbour outside),
 * not 2π r: 0.90 of a circle's perimeter, for any r from 5 to 60 pixels.
 */
const DISC_BORDER = 4 * Math.SQRT2;
/** A lesion needs this many mask pixels to be measured. */
const MIN_PIXELS = 8;

/** The measures of the lesion in `mask`, in `LESION_MEASURES` order; null for an empty mask. */
export function lesionMeasures(
  pixels: Uint8Array,
  mask: Uint8Array,
  size: number,
): number[] | null {
  const raster = rasterOf(mask, size);
  const { lesion } = raster;
  const xs: number[] = [];
  const ys: number[] = [];
  // The convex hull of the border pixels is the lesion's: only they are kept for it.
  const edgeXs: number[] = [];
  const edgeYs: number[] = [];
  let frameEdge = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!inside(lesion, size, x, y)) continue;
      xs.push(x);
      ys.push(y);
      if (
        !inside(lesion, size, x - 1, y) ||
        !inside(lesion, size, x + 1, y) ||
        !inside(lesion, size, x, y - 1) ||
        !inside(lesion, size, x, y + 1)
      ) {
        // The pixel's four corners: the hull is of the pixels' squares, not of their centres.
        edgeXs.push(x - 0.5, x + 0.5, x - 0.5, x + 0.5);
        edgeYs.push(y - 0.5, y - 0.5, y + 0.5, y + 0.5);
      }
      if (x === 0 || y === 0 || x === size - 1 || y === size - 1) frameEdge++;
    }
  }
  const area = xs.length;
  if (area < MIN_PIXELS) return null;
  const lesionPixels = { xs, ys };
  const axes = principalAxes(lesionPixels);
  const shape = shapeMeasures(lesionPixels, axes, raster);
  const light = illuminant(pixels);
  const lab = labImage(pixels, light);
  return [
    area / (size * size),
    frameEdge / (4 * size - 4),
    edgeXs.length / 4 / (DISC_BORDER * Math.sqrt(area / Math.PI)),
    area / Math.max(hullArea(edgeXs, edgeYs), 1),
    shape.elongation,
    shape.asymmetry,
    ...rgbMeasures(pixels, raster, light),
    ...labMeasures(lab, raster, lesionPixels, axes, distanceFromSkin(raster)),
    ...textureMeasures(lab, raster),
  ];
}
