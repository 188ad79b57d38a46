/**
 * The figures of one evaluation: the AUCs, F1, accuracy, sensitivity and specificity, the
 * melanoma threshold (a slider, or picked for a target sensitivity), the ROC curves (with a
 * compared run's) and the confusion matrices.
 */
import { Suspense, lazy, type Ref } from 'react';
import { MELANOMA } from '../../dataset/types.ts';
import { thresholdForSensitivity } from '../../metrics/classification.ts';
import { classScores, type EvalPredictions } from '../../metrics/report.ts';
import { curveArea } from '../../metrics/roc.ts';
import { useAppStore } from '../../store/index.ts';
import { Figure } from '../common/Figure.tsx';
import { ConfusionMatrix, MelanomaConfusion } from './ConfusionMatrix.tsx';
import type { Curves, useMetrics } from './useMetrics.ts';

// recharts is large: it loads with the first evaluation to chart, not with the page.
const RocChart = lazy(() => import('./RocChart.tsx').then((m) => ({ default: m.RocChart })));

type Metrics = ReturnType<typeof useMetrics>;

/** The split's figures at the threshold, and what could not be computed. */
export function ResultFigures({ metrics, operating }: Pick<Metrics, 'metrics' | 'operating'>) {
  return (
    <>
      <dl className="figures eval-figures">
        <Figure
          id="auc-melanoma"
          label="Melanoma AUC"
          value={metrics.melanoma_auc}
          missing="undefined"
        />
        <Figure
          id="auc-sk"
          label="Seborrheic keratosis AUC"
          value={metrics.seborrheic_keratosis_auc}
          missing="undefined"
        />
        <Figure
          id="auc-mean"
          label="Mean AUC (ISIC 2017)"
          value={metrics.mean_auc}
          missing="undefined"
        />
        <Figure
          id="f1-melanoma"
          label="Melanoma F1"
          value={metrics.melanoma_f1}
          missing="undefined"
        />
        <Figure
          id="accuracy"
          label="Accuracy (3 classes)"
          value={metrics.accuracy}
          missing="undefined"
        />
        <Figure
          id="sensitivity"
          label="Sensitivity"
          value={operating.sensitivity}
          missing="undefined"
        />
        <Figure
          id="specificity"
          label="Specificity"
          value={operating.specificity}
          missing="undefined"
        />
      </dl>
      {metrics.messages.length > 0 && (
        <ul className="eval-messages" data-testid="eval-messages">
          {metrics.messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The melanoma threshold: a slider, or the one that reaches a target sensitivity. */
export function ThresholdControl({
  predictions,
  threshold,
}: {
  /** The probabilities shown (probabilityView.ts): the threshold applies to their p_melanoma. */
  predictions: EvalPredictions;
  threshold: number;
}) {
  const setThreshold = useAppStore((s) => s.setThreshold);
  const positive = predictions.labels.map((l) => l === MELANOMA);
  const melanomaScores = classScores(predictions.probabilities, MELANOMA);
  const pickFor = (target: number) => {
    const t = thresholdForSensitivity(positive, melanomaScores, target);
    if (t !== null) setThreshold(t);
  };
  return (
    <div className="threshold-control">
      <label>
        Melanoma threshold{' '}
        <input
          type="range"
          min={0}
          max={1}
          step="any"
          data-testid="threshold"
          value={threshold}
          onChange={(e) => setThreshold(Number(e.target.value))}
        />{' '}
        <output data-testid="threshold-value">{threshold.toFixed(3)}</output>
      </label>
      <span>
        Pick the threshold that reaches a sensitivity of{' '}
        {[0.9, 0.95, 0.99].map((target) => (
          <button
            key={target}
            type="button"
            className="button-quiet"
            data-testid={`sensitivity-${Math.round(target * 100)}`}
            onClick={() => pickFor(target)}
          >
            {Math.round(target * 100)}%
          </button>
        ))}
      </span>
    </div>
  );
}

interface ResultChartsProps {
  figures: Metrics;
  /** The compared run's curves, dashed beside these. */
  compared: Curves | null;
  /** The ROC chart's box, for saving it as a PNG. */
  rocRef: Ref<HTMLDivElement>;
}

/** The ROC curves with the threshold's point, and the confusion matrices. */
export function ResultCharts({ figures, compared, rocRef }: ResultChartsProps) {
  const { curves, intervals, metrics, operating } = figures;
  return (
    <div className="eval-charts">
      <div ref={rocRef}>
        <Suspense fallback={<p className="muted">Loading the chart…</p>}>
          <RocChart
            series={[
              {
                name: 'melanoma',
                curve: curves.melanoma,
                auc: metrics.melanoma_auc,
                interval: intervals.melanoma_auc_ci,
                color: '#c0392b',
              },
              {
                name: 'seborrheic keratosis',
                curve: curves.keratosis,
                auc: metrics.seborrheic_keratosis_auc,
                interval: intervals.seborrheic_keratosis_auc_ci,
                color: '#b7950b',
              },
              ...(compared
                ? [
                    {
                      name: 'melanoma, compared run',
                      curve: compared.melanoma,
                      auc: compared.melanoma ? curveArea(compared.melanoma) : null,
                      color: '#2f6fb0',
                      dashed: true,
                    },
                  ]
                : []),
            ]}
            point={
              operating.sensitivity === null || operating.specificity === null
                ? null
                : { fpr: 1 - operating.specificity, tpr: operating.sensitivity }
            }
          />
        </Suspense>
      </div>
      <div>
        <ConfusionMatrix confusion={metrics.confusion} />
        <MelanomaConfusion confusion={metrics.melanoma_confusion} />
      </div>
    </div>
  );
}
