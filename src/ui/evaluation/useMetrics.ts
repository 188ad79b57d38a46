/**
 * Figures of one evaluation on the page, from its stored predictions in the chosen view
 * (probabilityView.ts) through src/metrics: curves, reliability bins and AUC intervals once per
 * view, the threshold-dependent figures on every move of the slider.
 */
import { useMemo } from 'react';
import { KERATOSIS, MELANOMA } from '../../dataset/types.ts';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { sensitivity, specificity } from '../../metrics/classification.ts';
import { precisionRecallCurve } from '../../metrics/precisionRecall.ts';
import { topLabelReliability } from '../../metrics/reliability.ts';
import { classScores, splitMetrics, type EvalPredictions } from '../../metrics/report.ts';
import { rocCurve, type RocCurve } from '../../metrics/roc.ts';
import { asPredictions, type ProbabilityView } from './probabilityView.ts';

/** Bootstrap settings of the AUC intervals: fixed, so a page shows the same interval each time. */
export const BOOTSTRAP = { resamples: 1000, seed: 2017 };

export interface Curves {
  melanoma: RocCurve | null;
  keratosis: RocCurve | null;
}

export function curvesOf({ labels, probabilities }: EvalPredictions): Curves {
  const curve = (cls: number) =>
    rocCurve(
      labels.map((l) => l === cls),
      classScores(probabilities, cls),
    );
  return { melanoma: curve(MELANOMA), keratosis: curve(KERATOSIS) };
}

/** The figures that do not depend on the threshold. */
function fixedFigures(predictions: EvalPredictions, view: ProbabilityView) {
  const { labels, probabilities } = predictions;
  const finite = Array.from(probabilities).every(Number.isFinite);
  return {
    curves: curvesOf(predictions),
    intervals: splitMetrics(predictions, { bootstrap: BOOTSTRAP }),
    precisionRecall: finite
      ? precisionRecallCurve(
          labels.map((l) => l === MELANOMA),
          classScores(probabilities, MELANOMA),
        )
      : null,
    /** Reliability of the view before and (where a calibration was fitted) after calibration. */
    reliability: {
      before: topLabelReliability(labels, view.uncalibrated),
      after: view.calibratedProbabilities
        ? topLabelReliability(labels, view.calibratedProbabilities)
        : null,
    },
  };
}

export function useMetrics(record: EvaluationRecord, threshold: number, view: ProbabilityView) {
  const predictions = useMemo(() => asPredictions(record, view), [record, view]);
  const fixed = useMemo(() => fixedFigures(predictions, view), [predictions, view]);
  const metrics = useMemo(() => splitMetrics(predictions, { threshold }), [predictions, threshold]);
  const operating = {
    sensitivity: sensitivity(metrics.melanoma_confusion),
    specificity: specificity(metrics.melanoma_confusion),
  };
  return { ...fixed, metrics, operating, predictions, view };
}
