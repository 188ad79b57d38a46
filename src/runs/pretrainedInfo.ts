/**
 * What the page knows of the imported ImageNet weights (pretrained.ts keeps the weights): a record
 * in the runs store beside the runs, readable without tfjs.
 */
import { loadRunState } from './runs.ts';

export const PRETRAINED_KEY = 'pretrained/densenet121';

export interface PretrainedInfo {
  /** The model.json's file name. */
  source: string;
  /** Layers of our DenseNet-121 backbone that took the imported weights, of those with weights. */
  matched: number;
  total: number;
  /** In words: what matched and what did not. */
  summary: string;
  /** Our layers left as they were, by name (at most a few dozen). */
  unmatched: string[];
  importedAt: string;
}

export function loadPretrainedInfo(): Promise<PretrainedInfo | undefined> {
  return loadRunState<PretrainedInfo>(PRETRAINED_KEY);
}
