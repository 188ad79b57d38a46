/**
 * Class balance for the classifier's training set (pure, seeded). Oversampling repeats the images
 * of the rarer classes until each class has as many samples as the largest; each repeat is a
 * "copy" with its own sample key (`key#n`), so augmentation draws a different transform for it and
 * a frozen backbone stores its features apart. Class weights follow scikit-learn's 'balanced':
 * total / (classes × count).
 */
import { Random } from '../lib/random.ts';

/** The sample key of copy `copy` of an image (copy 0 is the image itself). */
export const sampleKey = (key: string, copy: number) => (copy === 0 ? key : `${key}#${copy}`);
/** The image a sample key refers to. */
export const sampleImage = (sample: string) => sample.replace(/#\d+$/, '');

export function classCounts(labels: readonly number[], classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label] = (counts[label] as number) + 1;
  return counts;
}

/**
 * Sample keys in which every class present has as many samples as the largest class: each image
 * of a class appears floor(max / count) times, and a seeded choice of them once more to fill up.
 */
export function oversample(
  keys: readonly string[],
  labelOf: (key: string) => number,
  classes: number,
  seed: number,
): string[] {
  const byClass = Array.from({ length: classes }, () => [] as string[]);
  for (const key of keys) byClass[labelOf(key)]?.push(key);
  const largest = Math.max(...byClass.map((k) => k.length));
  const random = new Random(seed);
  const samples: string[] = [];
  for (const members of byClass) {
    if (members.length === 0) continue;
    const rounds = Math.floor(largest / members.length);
    for (let copy = 0; copy < rounds; copy++) {
      for (const key of members) samples.push(sampleKey(key, copy));
    }
    const extra = [...members];
    random.shuffle(extra);
    for (const key of extra.slice(0, largest - rounds * members.length)) {
      samples.push(sampleKey(key, rounds));
    }
  }
  return samples;
}

/** Weights per class, total / (classes present × count); 0 for a class without images. */
export function balancedWeights(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const present = counts.filter((c) => c > 0).length;
  return counts.map((c) => (c > 0 ? total / (present * c) : 0));
}
