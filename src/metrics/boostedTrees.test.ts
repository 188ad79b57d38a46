import { describe, expect, it } from 'vitest';
import { Random } from '../lib/random.ts';
import {
  BOOSTING,
  binThresholds,
  boostedLogits,
  fitBoostedTrees,
  treeValue,
  type BoostedTrees,
  type Tree,
} from './boostedTrees.ts';

/**
 * Points in the square [−1, 1]², a noise feature beside them, and a class no line separates:
 * 2 in a band around x = 0, else 1 where x and y have opposite signs (a chequerboard), else 0.
 */
function chequerboard(count: number, seed: number) {
  const random = new Random(seed);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const x = random.uniform(-1, 1);
    const y = random.uniform(-1, 1);
    rows.push([x, y, random.normal()]);
    labels.push(Math.abs(x) < 0.15 ? 2 : x * y < 0 ? 1 : 0);
  }
  return { rows, labels };
}

const argmax = (z: readonly number[]) => z.indexOf(Math.max(...z));

const nll = (model: BoostedTrees, rows: readonly number[][], labels: readonly number[]) =>
  rows.reduce((sum, x, i) => {
    const z = boostedLogits(model, x);
    const max = Math.max(...z);
    const log = Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0)) + max;
    return sum - ((z[labels[i] as number] as number) - log);
  }, 0) / rows.length;

/** The leaf each row reaches, by node index. */
function leafOf(tree: Tree, x: readonly number[]): number {
  let node = 0;
  while ((tree.feature[node] as number) >= 0) {
    const f = tree.feature[node] as number;
    node = (tree.left[node] as number) + ((x[f] as number) <= (tree.value[node] as number) ? 0 : 1);
  }
  return node;
}

function depthOf(tree: Tree, node = 0): number {
  if ((tree.feature[node] as number) < 0) return 0;
  const left = tree.left[node] as number;
  return 1 + Math.max(depthOf(tree, left), depthOf(tree, left + 1));
}

describe('binThresholds', () => {
  it('cuts midway between distinct values, at quantiles where there are more values than bins', () => {
    expect(binThresholds([3, 1, 2, 2, 1], 32)).toEqual([1.5, 2.5]);
    expect(binThresholds([4, 4, 4], 32)).toEqual([]);
    const random = new Random(1);
    const values = Array.from({ length: 5000 }, () => random.normal());
    const cuts = binThresholds(values, 8);
    expect(cuts).toHaveLength(7);
    cuts.forEach((t, k) => k > 0 && expect(t).toBeGreaterThan(cuts[k - 1] as number));
    // Each of the 8 ranges holds about an eighth of the values.
    const edges = [-Infinity, ...cuts, Infinity];
    for (let k = 0; k < 8; k++) {
      const share =
        values.filter((v) => v > (edges[k] as number) && v <= (edges[k + 1] as number)).length /
        values.length;
      expect(share).toBeGreaterThan(0.11);
      expect(share).toBeLessThan(0.14);
    }
  });
});

describe('fitBoostedTrees', () => {
  const train = chequerboard(3000, 2);
  const model = fitBoostedTrees(train.rows, train.labels, 3);

  it('learns classes that no linear model separates, and scores new points by them', () => {
    const test = chequerboard(2000, 3);
    const correct = test.rows.filter(
      (x, i) => argmax(boostedLogits(model, x)) === test.labels[i],
    ).length;
    expect(correct / test.rows.length).toBeGreaterThan(0.93);
    // The start is each class's log share; the trees take the loss far below it.
    const shares = [0, 1, 2].map(
      (c) => train.labels.filter((l) => l === c).length / train.labels.length,
    );
    model.base.forEach((b, c) => expect(b).toBeCloseTo(Math.log(shares[c] as number), 12));
    expect(nll(model, test.rows, test.labels)).toBeLessThan(
      0.4 * nll({ base: model.base, trees: [] }, test.rows, test.labels),
    );
  });

  it('grows one tree per class and round, no deeper than its depth, every leaf with minLeaf train images', () => {
    expect(model.trees).toHaveLength(BOOSTING.rounds * 3);
    for (const tree of model.trees) {
      expect(depthOf(tree)).toBeLessThanOrEqual(BOOSTING.depth);
      const counts = new Map<number, number>();
      for (const x of train.rows) {
        const leaf = leafOf(tree, x);
        counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
      }
      const leaves = tree.feature.flatMap((f, node) => (f < 0 ? [node] : []));
      // Every leaf is reached by the train images, with at least minLeaf of them.
      for (const leaf of leaves)
        expect(counts.get(leaf) ?? 0).toBeGreaterThanOrEqual(BOOSTING.minLeaf);
    }
    // The first rounds' trees never split first on the noise feature (later and deeper splits fit
    // the train images' noise too), and it is split on less than the two that matter.
    const uses = [0, 0, 0];
    for (const tree of model.trees)
      for (const f of tree.feature) if (f >= 0) uses[f] = (uses[f] as number) + 1;
    expect(model.trees.slice(0, 30).filter((tree) => tree.feature[0] === 2)).toHaveLength(0);
    expect(uses[2]).toBeLessThan(Math.min(uses[0] as number, uses[1] as number));
  });

  it('lowers the train loss with every few rounds, and learns the same trees again', () => {
    const losses = [5, 20, 60].map((rounds) =>
      nll(
        fitBoostedTrees(train.rows, train.labels, 3, { ...BOOSTING, rounds }),
        train.rows,
        train.labels,
      ),
    );
    expect(losses[1]).toBeLessThan(losses[0] as number);
    expect(losses[2]).toBeLessThan(losses[1] as number);
    const again = fitBoostedTrees(train.rows, train.labels, 3, { ...BOOSTING, rounds: 5 });
    expect(again).toEqual(fitBoostedTrees(train.rows, train.labels, 3, { ...BOOSTING, rounds: 5 }));
  });

  it('refuses train images without every class', () => {
    expect(() => fitBoostedTrees(train.rows, train.labels, 4)).toThrow(/every class: .*, 0$/);
  });

  it('is plain JSON: a stored model scores as the fitted one', () => {
    const stored = JSON.parse(JSON.stringify(model)) as BoostedTrees;
    const x = [0.3, -0.6, 0.1];
    expect(boostedLogits(stored, x)).toEqual(boostedLogits(model, x));
  });

  it('leaves a stump where no split keeps minLeaf images on each side', () => {
    const few = chequerboard(30, 4);
    const small = fitBoostedTrees(few.rows, few.labels, 3, { ...BOOSTING, rounds: 3 });
    for (const tree of small.trees) expect(tree.feature).toEqual([-1]);
    // A stump moves every image the same way: towards the classes' shares.
    const x = few.rows[0] as number[];
    expect(treeValue(small.trees[0] as Tree, x)).toBe(treeValue(small.trees[0] as Tree, [9, 9, 9]));
  });
});
