/**
 * Figures per lesion rather than per image: some datasets photograph one lesion several times, and
 * those photos are not independent. Images that share a lesion id become one lesion whose
 * probabilities are their mean; images without an id stay on their own. Every per-image figure can
 * then be computed on the lesions. Pure TypeScript, no tfjs.
 */
import { CLASSES } from '../dataset/types.ts';
import type { EvalPredictions } from './report.ts';

/** True when at least one non-empty lesion id is shared by two images. */
export function hasRepeatedGroups(groups: readonly string[] | undefined): boolean {
  if (!groups) return false;
  const seen = new Set<string>();
  for (const group of groups) {
    if (group === '') continue;
    if (seen.has(group)) return true;
    seen.add(group);
  }
  return false;
}

/** One split's predictions per lesion, and how many images each lesion holds. */
export interface LesionPredictions extends EvalPredictions {
  /** Images per lesion, in the order of `keys`. */
  sizes: number[];
}

/**
 * The lesions of a split, in the order each first appears. A lesion's key and id are its lesion
 * id; an image without one keeps its own key and id. A lesion's probabilities are the mean of its
 * images'. Its label is the most common label among its images, and on a tie the label of the
 * earliest image among the tied ones (in practice a lesion has one label; a disagreement is a
 * dataset error that this does not hide from the per-image figures). Licences and attributions are
 * left out: a lesion has several images.
 */
export function perLesion(p: EvalPredictions, groups: readonly string[]): LesionPredictions {
  const classes = CLASSES.length;
  if (groups.length !== p.keys.length) {
    throw new RangeError(`perLesion: ${p.keys.length} images but ${groups.length} lesion ids`);
  }
  const members = new Map<string, number[]>();
  groups.forEach((group, i) => {
    const name = group === '' ? `\0${i}` : group;
    const list = members.get(name);
    if (list) list.push(i);
    else members.set(name, [i]);
  });
  const lesions = [...members.values()];
  const probabilities = new Float64Array(lesions.length * classes);
  const labels: number[] = [];
  const keys: string[] = [];
  const ids: string[] = [];
  lesions.forEach((images, l) => {
    const first = images[0] as number;
    const group = groups[first] as string;
    keys.push(group || (p.keys[first] as string));
    ids.push(group || (p.ids?.[first] ?? (p.keys[first] as string)));
    labels.push(mostCommon(images.map((i) => p.labels[i] as number)));
    for (const i of images) {
      for (let c = 0; c < classes; c++) {
        probabilities[l * classes + c] =
          (probabilities[l * classes + c] as number) + Number(p.probabilities[i * classes + c]);
      }
    }
    for (let c = 0; c < classes; c++) {
      probabilities[l * classes + c] = (probabilities[l * classes + c] as number) / images.length;
    }
  });
  return {
    keys,
    ids,
    split: p.split,
    labels,
    probabilities,
    sizes: lesions.map((images) => images.length),
  };
}

/** The most common value; on a tie, the one whose first occurrence comes first. */
function mostCommon(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = values[0] as number;
  for (const [v, n] of counts) if (n > (counts.get(best) as number)) best = v;
  return best;
}
