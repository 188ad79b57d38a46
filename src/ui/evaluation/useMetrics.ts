/**
 * Figures of one evaluation on the page, from its stored predictions (src/metrics): curves and AUC
 * intervals once per record, the threshold-dependent figures on every move of the slider.
 */
import { useMemo } from 'react';
import { KERATOSIS, MELANOMA } from '../../dataset/types.ts';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { sensitivity, specificity } from '../../metrics/classification.ts';
import { classScores, splitMetrics, type EvalPredictions } from '../../metrics/report.ts';
import { rocCurve, type RocCurve } from '../../metrics/roc.ts';

/** Bootstrap settings of the AUC intervals: fixed, so a page shows the same interval each time. */
export const BOOTSTRAP = { resamples: 1000, seed: 2017 };

export function asPredictions(record: EvaluationRecord): EvalPredictions {
  return {
    keys: record.keys,
    ids: record.ids,
    split: record.split,
    labels: record.labels,
    probabilities: record.probabilities,
    ...(record.licences ? { licences: record.licences } : {}),
    ...(record.attributions ? { attributions: record.attributions } : {}),
  };
}

export interface Curves {
  melanoma: RocCurve | null;
  keratosis: RocCurve | null;
}

export function curvesOf(record: EvaluationRecord): Curves {
  const curve = (cls: number) =>
    rocCurve(
      record.labels.map((l) => l === cls),
      classScores(record.probabilities, cls),
    );
  return { melanoma: curve(MELANOMA), keratosis: curve(KERATOSIS) };
}

export function useMetrics(record: EvaluationRecord, threshold: number) {
  const fixed = useMemo(
    () => ({
      curves: curvesOf(record),
      intervals: splitMetrics(asPredictions(record), { bootstrap: BOOTSTRAP }),
    }),
    [record],
  );
  const metrics = useMemo(
    () => splitMetrics(asPredictions(record), { threshold }),
    [record, threshold],
  );
  const operating = {
    sensitivity: sensitivity(metrics.melanoma_confusion),
    specificity: specificity(metrics.melanoma_confusion),
  };
  return { ...fixed, metrics, operating };
}
