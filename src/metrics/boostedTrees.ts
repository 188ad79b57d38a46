/**
 * Gradient-boosted decision trees for a few classes on a few dozen numbers: the non-linear half of
 * the clinical model (clinical.ts), which averages their log-probabilities with the logistic
 * regression's. Age matters differently at each site and a lesion's colours matter more when it is
 * large; a tree reads such interactions where a linear model cannot. On HAM10000's 6,242 train
 * images the mean of the two ranked validation melanoma better than either (docs/performance.md).
 *
 * The algorithm is the histogram variant of gradient boosting (as LightGBM and scikit-learn's
 * HistGradientBoostingClassifier): every feature is cut into at most `bins` ranges at quantiles of
 * the train values, and each round grows one tree per class, level by level, on the softmax loss's
 * gradient p − y and Hessian p (1 − p), splitting where the Newton gain
 * G_L² / (H_L + λ) + G_R² / (H_R + λ) − G² / (H + λ) is largest; a leaf's value is
 * −rate · G / (H + λ). No kept npm package trains boosted trees in a browser with models in
 * plain, inspectable form (ml-xgboost, the one WebAssembly port of XGBoost, is built with a 2017
 * Emscripten and saves its models as binary blobs), and this is small, so the project has its own.
 * Deterministic: no sampling. Pure TypeScript, no tfjs.
 */

/** One tree, as parallel arrays over its nodes; node 0 is the root. */
export interface Tree {
  /** The feature a node splits on; −1 at a leaf. */
  feature: number[];
  /** At a split, features ≤ this go left; at a leaf, the leaf's value (the rate included). */
  value: number[];
  /** At a split, the left child's index; the right child follows it. 0 at a leaf. */
  left: number[];
}

/** A fitted ensemble. Plain JSON, stored with the run's calibration. */
export interface BoostedTrees {
  /** The logits every image starts from: each class's log share of the train images. */
  base: number[];
  /** Round by round, one tree per class: tree r·classes + c adds to class c's logit. */
  trees: Tree[];
}

export interface BoostingOptions {
  rounds: number;
  /** Levels of splits: at most 2^depth leaves. */
  depth: number;
  /** Ranges each feature is cut into (at most 256). */
  bins: number;
  /** The shrinkage on every leaf. */
  rate: number;
  /** λ, the ridge on the leaf values. */
  l2: number;
  /** A split leaves at least this many train images on each side. */
  minLeaf: number;
}

/**
 * Chosen on HAM10000's validation split with the logistic regression beside them (offline, the
 * same algorithm in scikit-learn): depth 4 or 15 leaves, 100–300 rounds, 32 or 255 bins all gave
 * validation melanoma AUC within 0.002 of each other; these were among the best and are the
 * cheapest to store and fit.
 */
export const BOOSTING: BoostingOptions = {
  rounds: 150,
  depth: 4,
  bins: 32,
  rate: 0.05,
  l2: 1,
  minLeaf: 20,
};

/** A split needs at least this much Hessian on each side (scikit-learn's default). */
const MIN_HESSIAN = 1e-3;

/**
 * The thresholds each feature is cut at: midpoints between neighbouring distinct train values, at
 * most `bins − 1` of them, at the values' quantiles where there are more distinct values than bins.
 */
export function binThresholds(column: ArrayLike<number>, bins: number): number[] {
  const sorted = Float64Array.from(column).sort();
  const distinct: number[] = [];
  for (const v of sorted)
    if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  const cuts =
    distinct.length <= bins
      ? distinct.slice(0, -1)
      : Array.from(
          { length: bins - 1 },
          (_, q) => sorted[Math.floor(((q + 1) * sorted.length) / bins)] as number,
        );
  const thresholds: number[] = [];
  for (const cut of cuts) {
    const i = upperIndex(distinct, cut);
    if (i >= distinct.length - 1) continue;
    const t = ((distinct[i] as number) + (distinct[i + 1] as number)) / 2;
    if (thresholds.length === 0 || t > (thresholds[thresholds.length - 1] as number))
      thresholds.push(t);
  }
  return thresholds;
}

/** The index of `value` in the ascending `values` (the last one not above it). */
function upperIndex(values: readonly number[], value: number): number {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((values[mid] as number) <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** A value's bin under ascending thresholds: how many of them it is above. */
function binOf(thresholds: readonly number[], value: number): number {
  let lo = 0;
  let hi = thresholds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value > (thresholds[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The gradients of one class's tree, and the binned features it splits. */
interface Growing {
  codes: Uint8Array;
  features: number;
  thresholds: number[][];
  gradient: Float64Array;
  hessian: Float64Array;
  options: BoostingOptions;
  /** Filled with each train image's leaf value. */
  out: Float64Array;
  tree: Tree;
}

const score = (g: number, h: number, l2: number) => (g * g) / (h + l2);

/** Per feature and bin: the sums of the gradient and the Hessian, and the count of train images. */
interface Histogram {
  g: Float64Array;
  h: Float64Array;
  count: Int32Array;
}

function histogram(state: Growing, rows: Int32Array): Histogram {
  const { codes, features, gradient, hessian } = state;
  const size = features * state.options.bins;
  const out = { g: new Float64Array(size), h: new Float64Array(size), count: new Int32Array(size) };
  const bins = state.options.bins;
  for (const r of rows) {
    const gr = gradient[r] as number;
    const hr = hessian[r] as number;
    const row = r * features;
    for (let f = 0, k = 0; f < features; f++, k += bins) {
      const at = k + (codes[row + f] as number);
      out.g[at] = (out.g[at] as number) + gr;
      out.h[at] = (out.h[at] as number) + hr;
      out.count[at] = (out.count[at] as number) + 1;
    }
  }
  return out;
}

/** The parent's histogram less one child's: the other child's, without reading its rows. */
function subtract(parent: Histogram, child: Histogram): Histogram {
  return {
    g: parent.g.map((v, k) => v - (child.g[k] as number)),
    h: parent.h.map((v, k) => v - (child.h[k] as number)),
    count: parent.count.map((v, k) => v - (child.count[k] as number)),
  };
}

/** The split of the largest gain over a node's histogram; null where none is allowed. */
function bestSplit(
  state: Growing,
  hist: Histogram,
  rows: number,
  g: number,
  h: number,
): { feature: number; bin: number } | null {
  const { features, thresholds } = state;
  const { bins, l2, minLeaf } = state.options;
  const parent = score(g, h, l2);
  let found: { feature: number; bin: number } | null = null;
  let gain = 1e-12;
  for (let f = 0; f < features; f++) {
    let gl = 0;
    let hl = 0;
    let nl = 0;
    const cuts = (thresholds[f] as number[]).length;
    for (let b = 0; b < cuts; b++) {
      const k = f * bins + b;
      gl += hist.g[k] as number;
      hl += hist.h[k] as number;
      nl += hist.count[k] as number;
      if (nl < minLeaf) continue;
      if (rows - nl < minLeaf) break;
      const hr = h - hl;
      if (hl < MIN_HESSIAN || hr < MIN_HESSIAN) continue;
      const candidate = score(gl, hl, l2) + score(g - gl, hr, l2) - parent;
      if (candidate > gain) {
        gain = candidate;
        found = { feature: f, bin: b };
      }
    }
  }
  return found;
}

/**
 * Grows node `node` over `rows` at `level`: a leaf, or its best split and both children. The
 * smaller child's histogram is summed from its rows and the larger's is the parent's less it.
 */
function grow(
  state: Growing,
  node: number,
  rows: Int32Array,
  level: number,
  hist: Histogram | null,
): void {
  const { codes, features, thresholds, gradient, hessian, options, tree } = state;
  let g = 0;
  let h = 0;
  for (const r of rows) {
    g += gradient[r] as number;
    h += hessian[r] as number;
  }
  const splits = level < options.depth && rows.length >= 2 * options.minLeaf;
  const own = splits ? (hist ?? histogram(state, rows)) : null;
  const best = own ? bestSplit(state, own, rows.length, g, h) : null;
  if (!own || !best) {
    const value = (-options.rate * g) / (h + options.l2);
    tree.feature[node] = -1;
    tree.value[node] = value;
    tree.left[node] = 0;
    for (const r of rows) state.out[r] = value;
    return;
  }
  const left = tree.feature.length;
  tree.feature[node] = best.feature;
  tree.value[node] = thresholds[best.feature]?.[best.bin] as number;
  tree.left[node] = left;
  tree.feature.push(-1, -1);
  tree.value.push(0, 0);
  tree.left.push(0, 0);
  const goesLeft = (r: number) => (codes[r * features + best.feature] as number) <= best.bin;
  const sides = [rows.filter(goesLeft), rows.filter((r) => !goesLeft(r))] as const;
  const small = sides[0].length <= sides[1].length ? 0 : 1;
  const splitsNext = level + 1 < options.depth;
  const smallHist = splitsNext ? histogram(state, sides[small]) : null;
  const hists = [smallHist, smallHist && subtract(own, smallHist)];
  if (small === 1) hists.reverse();
  grow(state, left, sides[0], level + 1, hists[0] ?? null);
  grow(state, left + 1, sides[1], level + 1, hists[1] ?? null);
}

/**
 * Boosted trees of `labels` (0 … classes − 1) on `rows`, each an equally long feature vector.
 * Every class must be present.
 */
export function fitBoostedTrees(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  classes: number,
  options: BoostingOptions = BOOSTING,
): BoostedTrees {
  const n = rows.length;
  const features = rows[0]?.length ?? 0;
  if (options.bins > 256) throw new RangeError(`At most 256 bins, not ${options.bins}`);
  const thresholds = Array.from({ length: features }, (_, f) =>
    binThresholds(
      rows.map((x) => x[f] as number),
      options.bins,
    ),
  );
  const codes = new Uint8Array(n * features);
  rows.forEach((x, i) =>
    x.forEach((v, f) => (codes[i * features + f] = binOf(thresholds[f] as number[], v))),
  );
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label] = (counts[label] as number) + 1;
  if (counts.some((c) => c === 0))
    throw new RangeError(`Boosted trees need train images of every class: ${counts.join(', ')}`);
  const base = counts.map((c) => Math.log(c / n));
  const logits = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) logits.set(base, i * classes);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const p = new Float64Array(n * classes);
  const trees: Tree[] = [];
  const outs = Array.from({ length: classes }, () => new Float64Array(n));
  for (let round = 0; round < options.rounds; round++) {
    softmaxRows(logits, p, classes);
    for (let c = 0; c < classes; c++) {
      const gradient = new Float64Array(n);
      const hessian = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const q = p[i * classes + c] as number;
        gradient[i] = q - (labels[i] === c ? 1 : 0);
        hessian[i] = q * (1 - q);
      }
      const tree: Tree = { feature: [-1], value: [0], left: [0] };
      const out = outs[c] as Float64Array;
      grow({ codes, features, thresholds, gradient, hessian, options, out, tree }, 0, all, 0, null);
      trees.push(tree);
    }
    for (let i = 0; i < n; i++)
      for (let c = 0; c < classes; c++) {
        const k = i * classes + c;
        logits[k] = (logits[k] as number) + ((outs[c] as Float64Array)[i] as number);
      }
  }
  return { base, trees };
}

function softmaxRows(logits: Float64Array, out: Float64Array, classes: number): void {
  for (let row = 0; row < logits.length; row += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c] as number);
    let sum = 0;
    for (let c = 0; c < classes; c++)
      sum += out[row + c] = Math.exp((logits[row + c] as number) - max);
    for (let c = 0; c < classes; c++) out[row + c] = (out[row + c] as number) / sum;
  }
}

/** The leaf value a feature vector reaches in a tree. */
export function treeValue(tree: Tree, x: readonly number[]): number {
  let node = 0;
  for (let f = tree.feature[0] as number; f >= 0; f = tree.feature[node] as number)
    node = (tree.left[node] as number) + ((x[f] as number) <= (tree.value[node] as number) ? 0 : 1);
  return tree.value[node] as number;
}

/** The class logits of one feature vector. */
export function boostedLogits(model: BoostedTrees, x: readonly number[]): number[] {
  const classes = model.base.length;
  const z = [...model.base];
  model.trees.forEach(
    (tree, t) => (z[t % classes] = (z[t % classes] as number) + treeValue(tree, x)),
  );
  return z;
}
