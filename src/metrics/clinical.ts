/**
 * What a lesion's clinical data say of its class: the patient's age and sex and the lesion's body
 * site, as the ISIC metadata files give them (HAM10000's `age`, `sex`, `localization`; ISIC 2017's
 * `age_approximate`, `sex`; 2019–2024's `age_approx`, `sex`, `anatom_site_general…`), and the
 * lesion's size, border, shape, colours and texture as masking measured them (lesion/measures.ts). A
 * melanoma's patient is 14 years older than a nevus's on average in HAM10000, and sites differ too.
 *
 * A multinomial logistic regression over the three classes, fitted on the train split's images
 * (never on validation or test), gives each image log-probabilities from its clinical data alone;
 * on a train split of at least `TREES_MIN_IMAGES`, boosted trees (boostedTrees.ts) fitted on the
 * same features join it, and the two log-probabilities are averaged (the trees read interactions,
 * such as age mattering differently by site, that the linear model cannot). Calibration
 * (calibration.ts) then adds them to the image model's, with a weight fitted on the validation
 * split beside the temperature and class biases: the classifier learns from pixels, the clinical
 * model from a handful of numbers that no pixel holds.
 *
 * Features, each centred on the train split so that a missing value is the average patient's (and
 * adds nothing): age standardised, and its square (risk is not linear in age); sex as +1 male, −1
 * female; one indicator per body site seen on at least `MIN_SITE` train images (rarer sites and
 * `unknown` are missing); each lesion measure standardised. Pure TypeScript, no tfjs.
 */
import { boostedLogits, fitBoostedTrees, type BoostedTrees } from './boostedTrees.ts';
import { fitSoftmax } from './softmaxRegression.ts';

/** One image's clinical data; null where the metadata gives none. */
export interface ClinicalValues {
  age: number | null;
  sex: string | null;
  site: string | null;
  /** The lesion's measures (lesion/measures.ts); absent or null where its mask had no lesion. */
  measures?: readonly number[] | null;
}

/** A fitted clinical model: its feature encoding and weights. Plain JSON, stored with the run. */
export interface ClinicalModel {
  /** Age's standardisation (years), from the train split; null when no train image has an age. */
  age: { mean: number; scale: number } | null;
  /** The mean of the sex feature on the train split; null when no train image gives a sex. */
  sex: number | null;
  /** The body sites with an indicator, lower case, as the metadata names them. */
  sites: string[];
  /** Each site's share of the train split (its indicator's mean). */
  siteShares: number[];
  /**
   * The lesion measures' standardisation on the train split; null (or absent, in runs from before
   * the measures) where its images were not measured.
   */
  measures?: { mean: number[]; scale: number[] } | null;
  /** classes x (1 + features): an intercept, then the features' weights (class 0's are all 0). */
  weights: number[][];
  /**
   * Boosted trees on the same features, where the train split had at least `TREES_MIN_IMAGES`
   * images; null or absent (runs from before them): the logistic regression alone.
   */
  trees?: BoostedTrees | null;
  /** How many train images it was fitted on. */
  images: number;
}

/** A site needs this many train images for an indicator of its own. */
export const MIN_SITE = 10;
/**
 * The ridge on the feature weights (not the intercepts) against the mean NLL is this over the
 * train images: a standard normal prior on each weight. It keeps a small dataset's weights sane and
 * hardly touches a large one's (measured on HAM10000's 7,000 train images: a ridge of 0.01 cost
 * 0.010 of validation melanoma AUC with the image model, 0.001 cost 0.005, 0.0001 cost 0.002).
 */
const PRIOR = 1;
/**
 * The boosted trees (boostedTrees.ts) join the regression from this many train images. Measured on
 * HAM10000 (random train subsets, the same image model and validation split): the mean of the two
 * ranked validation melanoma as well as the regression alone from 1,000 images, better from 2,000
 * (+0.003) and on all 6,242 (+0.004 to +0.007), and worse on 500 (−0.004).
 */
export const TREES_MIN_IMAGES = 1000;

const sexValue = (sex: string | null): number | null => {
  const s = sex?.trim().toLowerCase();
  return s === 'male' ? 1 : s === 'female' ? -1 : null;
};

const siteName = (site: string | null): string | null => {
  const s = site?.trim().toLowerCase();
  return s && s !== 'unknown' ? s : null;
};

type Encoding = Pick<ClinicalModel, 'age' | 'sex' | 'sites' | 'siteShares' | 'measures'>;

const featureCount = (model: Encoding) =>
  (model.age ? 2 : 0) +
  (model.sex !== null ? 1 : 0) +
  model.sites.length +
  (model.measures?.mean.length ?? 0);

/** Whether a model learned anything of the patient (age, sex or site), not only the lesion's measures. */
export function learnsPatientData(model: Encoding): boolean {
  return model.age !== null || model.sex !== null || model.sites.length > 0;
}

/** Measures of the expected count, all finite; null otherwise. */
const usableMeasures = (values: ClinicalValues, count: number): readonly number[] | null => {
  const m = values.measures;
  return m && m.length === count && m.every((v) => Number.isFinite(v)) ? m : null;
};

/**
 * What of `values` the encoding reads: the age, sex's ±1, a site it has an indicator for, and the
 * lesion's measures.
 */
function readable(model: Encoding, values: ClinicalValues) {
  const site = siteName(values.site);
  return {
    age: model.age && values.age !== null && Number.isFinite(values.age) ? values.age : null,
    sex: model.sex === null ? null : sexValue(values.sex),
    site: site !== null && model.sites.includes(site) ? site : null,
    measures: model.measures ? usableMeasures(values, model.measures.mean.length) : null,
  };
}

/** An image's features under a model's encoding; 0 for each missing value. */
export function clinicalFeatures(model: Encoding, values: ClinicalValues): number[] {
  const { age, sex, site, measures } = readable(model, values);
  const x: number[] = [];
  if (model.age) {
    const z = age === null ? 0 : (age - model.age.mean) / model.age.scale;
    x.push(z, age === null ? 0 : z * z - 1);
  }
  if (model.sex !== null) x.push(sex === null ? 0 : sex - model.sex);
  model.sites.forEach((name, k) =>
    x.push(site === null ? 0 : (name === site ? 1 : 0) - (model.siteShares[k] as number)),
  );
  if (model.measures) {
    const { mean, scale } = model.measures;
    mean.forEach((m, k) =>
      x.push(measures === null ? 0 : ((measures[k] as number) - m) / (scale[k] as number)),
    );
  }
  return x;
}

/**
 * Whether `values` give the model anything: an age, a sex or a site it has a weight for, or the
 * lesion's measures where it learned them.
 */
export function hasClinicalData(model: ClinicalModel, values: ClinicalValues): boolean {
  const { age, sex, site, measures } = readable(model, values);
  return age !== null || sex !== null || site !== null || measures !== null;
}

const logSoftmax = (z: readonly number[]) => {
  const max = Math.max(...z);
  const log = Math.log(z.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
  return z.map((v) => v - log);
};

/**
 * Log-probabilities of the classes from an image's clinical data alone: the regression's, or where
 * the model has trees, the normalised mean of the regression's and the trees' log-probabilities
 * (their probabilities' geometric mean).
 */
export function clinicalLogProbabilities(model: ClinicalModel, values: ClinicalValues): number[] {
  const x = clinicalFeatures(model, values);
  const linear = logSoftmax(
    model.weights.map((w) =>
      w.reduce((sum, v, k) => sum + v * (k === 0 ? 1 : (x[k - 1] as number)), 0),
    ),
  );
  if (!model.trees) return linear;
  const trees = logSoftmax(boostedLogits(model.trees, x));
  return logSoftmax(linear.map((v, c) => (v + (trees[c] as number)) / 2));
}

/** Every image's log-probabilities (`classes` per image), as calibration reads them. */
export function clinicalLogs(
  model: ClinicalModel,
  images: readonly ClinicalValues[],
): Float32Array {
  const out = new Float32Array(images.length * model.weights.length);
  images.forEach((values, i) =>
    out.set(clinicalLogProbabilities(model, values), i * model.weights.length),
  );
  return out;
}

/**
 * The clinical model of the train split's labelled images; null when they give no clinical data
 * (no age, sex, common site or measures) or miss a class.
 */
export function fitClinicalModel(
  images: readonly (ClinicalValues & { label: number })[],
  classes: number,
): ClinicalModel | null {
  const present = new Set(images.map((i) => i.label));
  if (images.length === 0 || present.size < classes) return null;
  const ages = images.flatMap((i) => (i.age !== null && Number.isFinite(i.age) ? [i.age] : []));
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const ageMean = ages.length > 0 ? mean(ages) : 0;
  const ageScale = ages.length > 1 ? Math.sqrt(mean(ages.map((a) => (a - ageMean) ** 2))) : 0;
  const sexes = images.flatMap((i) => {
    const s = sexValue(i.sex);
    return s === null ? [] : [s];
  });
  const counts = new Map<string, number>();
  for (const i of images) {
    const site = siteName(i.site);
    if (site !== null) counts.set(site, (counts.get(site) ?? 0) + 1);
  }
  const sites = [...counts]
    .filter(([, n]) => n >= MIN_SITE)
    .map(([site]) => site)
    .sort();
  const encoding: Encoding = {
    age: ageScale > 0 ? { mean: ageMean, scale: ageScale } : null,
    // A sex feature only where both are given: one sex alone is a constant.
    sex: new Set(sexes).size > 1 ? mean(sexes) : null,
    sites,
    siteShares: sites.map((site) => (counts.get(site) as number) / images.length),
    measures: measureScales(images),
  };
  const features = featureCount(encoding);
  if (features === 0) return null;
  // θ holds classes 1…C−1's intercepts and weights; class 0's logit is 0.
  const width = 1 + features;
  const size = (classes - 1) * width;
  const design = new Float64Array(images.length * classes * size);
  const rows = images.map((image) => clinicalFeatures(encoding, image));
  rows.forEach((row, i) => {
    const x = [1, ...row];
    for (let c = 1; c < classes; c++)
      design.set(x, i * classes * size + c * size + (c - 1) * width);
  });
  const ridge = Array.from({ length: size }, (_, k) =>
    k % width === 0 ? 1e-6 : PRIOR / images.length,
  );
  const theta = fitSoftmax(
    { design, labels: images.map((i) => i.label), classes, size, ridge },
    new Float64Array(size),
  );
  const weights = Array.from({ length: classes }, (_, c) =>
    c === 0
      ? new Array<number>(width).fill(0)
      : Array.from(theta.subarray((c - 1) * width, c * width)),
  );
  const trees =
    images.length >= TREES_MIN_IMAGES
      ? fitBoostedTrees(
          rows,
          images.map((i) => i.label),
          classes,
        )
      : null;
  return { ...encoding, weights, trees, images: images.length };
}

/**
 * Each measure's mean and standard deviation over the images measured (a constant measure gets
 * scale 1: it weighs nothing); null where fewer than two images were.
 */
function measureScales(images: readonly ClinicalValues[]): ClinicalModel['measures'] {
  const count = images.find((i) => i.measures)?.measures?.length ?? 0;
  const measured = images.flatMap((i) => {
    const m = usableMeasures(i, count);
    return m ? [m] : [];
  });
  if (count === 0 || measured.length < 2) return null;
  const mean = Array.from(
    { length: count },
    (_, k) => measured.reduce((sum, m) => sum + (m[k] as number), 0) / measured.length,
  );
  const scale = mean.map((mu, k) => {
    const variance = measured.reduce((sum, m) => sum + ((m[k] as number) - mu) ** 2, 0);
    const sd = Math.sqrt(variance / measured.length);
    return sd > 0 ? sd : 1;
  });
  return { mean, scale };
}
