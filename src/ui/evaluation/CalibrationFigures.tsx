/**
 * The figures beyond the ROC: melanoma average precision, the calibration error before and after
 * calibration, the temperature, class biases and clinical data's weight, the melanoma figures per
 * lesion where lesions have several images, and their charts (precision-recall and reliability,
 * loaded with recharts on first use).
 */
import { Suspense, lazy } from 'react';
import { MELANOMA } from '../../dataset/types.ts';
import type { LesionMetrics, SplitMetrics } from '../../metrics/report.ts';
import { Figure } from '../common/Figure.tsx';
import { describeBiases, twoDecimals } from '../format.ts';
import type { useMetrics } from './useMetrics.ts';

const PrChart = lazy(() => import('./PrChart.tsx').then((m) => ({ default: m.PrChart })));
const ReliabilityChart = lazy(() =>
  import('./ReliabilityChart.tsx').then((m) => ({ default: m.ReliabilityChart })),
);

type Metrics = ReturnType<typeof useMetrics>;

/** Average precision, ECE before and after calibration, the temperature, and per lesion. */
export function CalibrationFigures({ metrics }: { metrics: SplitMetrics }) {
  return (
    <>
      <dl className="figures eval-figures">
        <Figure
          id="melanoma-ap"
          label="Melanoma average precision"
          value={metrics.melanoma_ap}
          missing="undefined"
        />
        <Figure id="ece" label="Calibration error (ECE)" value={metrics.ece} missing="undefined" />
        <Figure
          id="ece-uncalibrated"
          label="ECE before calibration"
          value={metrics.ece_uncalibrated}
          missing="undefined"
        />
        <Figure id="temperature" label="Temperature T" value={metrics.temperature} missing="none" />
      </dl>
      <p className="muted figure-note">
        Average precision: how many of the images called melanoma are melanoma, averaged over every
        threshold (1 is perfect; a model that guesses gets the share of melanomas). Calibration
        error: the gap between how sure the model is and how often it is right, averaged over 15
        bins of confidence (0 is perfect). Calibration divides the log-probabilities by the
        temperature and adds a bias per class, all fitted on the validation split: the biases undo
        the equal class shares the model was trained on.{' '}
        <span data-testid="class-biases" data-value={metrics.class_biases?.join(',') ?? ''}>
          {metrics.class_biases
            ? `Class ${describeBiases(metrics.class_biases)}.`
            : 'No class biases are applied.'}
        </span>
        {metrics.clinical_weight !== null && (
          <>
            {' '}
            <span data-testid="clinical-weight" data-value={metrics.clinical_weight}>
              Each image&apos;s log-probabilities from its clinical data are added with weight{' '}
              {twoDecimals(metrics.clinical_weight)}.
            </span>
          </>
        )}
      </p>
      {metrics.per_lesion && <LesionFigures lesions={metrics.per_lesion} />}
    </>
  );
}

/** The melanoma figures with each lesion counted once. */
function LesionFigures({ lesions }: { lesions: LesionMetrics }) {
  return (
    <>
      <dl className="figures eval-figures lesion-figures">
        <Figure
          id="lesion-auc-melanoma"
          label="Melanoma AUC per lesion"
          value={lesions.melanoma_auc}
          missing="undefined"
        />
        <Figure
          id="lesion-ap-melanoma"
          label="Melanoma AP per lesion"
          value={lesions.melanoma_ap}
          missing="undefined"
        />
        <dt>Lesions</dt>
        <dd data-testid="lesion-count" data-value={lesions.lesions}>
          {lesions.lesions} of {lesions.images} images
        </dd>
      </dl>
      <p className="muted figure-note">
        Some lesions were photographed more than once. Per lesion, each lesion counts once, with the
        mean of its photos&apos; probabilities, so a lesion with many photos does not weigh more.
      </p>
    </>
  );
}

/** The precision-recall curve of melanoma and the reliability diagram. */
export function CalibrationCharts({ figures }: { figures: Metrics }) {
  const { precisionRecall, reliability, metrics, view, predictions } = figures;
  const images = predictions.labels.length;
  const melanomas = predictions.labels.filter((l) => l === MELANOMA).length;
  const prevalence = images > 0 ? melanomas / images : null;
  return (
    <div className="eval-charts">
      <Suspense fallback={<p className="muted">Loading the chart…</p>}>
        <PrChart curve={precisionRecall} ap={metrics.melanoma_ap} prevalence={prevalence} />
        <ReliabilityChart
          before={reliability.before}
          after={reliability.after}
          calibration={view.fitted}
        />
      </Suspense>
    </div>
  );
}
