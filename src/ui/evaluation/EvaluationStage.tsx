import { Suspense, lazy, useEffect, useRef } from 'react';
import { MELANOMA, SPLIT_LABELS } from '../../dataset/types.ts';
import { EVAL_SPLITS, type EvalSplit, type EvaluationRecord } from '../../evaluation/record.ts';
import { thresholdForSensitivity } from '../../metrics/classification.ts';
import { classScores } from '../../metrics/report.ts';
import { curveArea } from '../../metrics/roc.ts';
import { useAppStore } from '../../store/index.ts';
import { CLASSIFIER_METRICS, bestFigures } from '../../runs/runs.ts';
import { score, when } from '../format.ts';
import { Comparison } from './Comparison.tsx';
import { ConfusionMatrix, MelanomaConfusion } from './ConfusionMatrix.tsx';
import { Figure } from '../common/Figure.tsx';
import { savePredictionsCsv, saveMetricsJson, saveChartPng } from './exportFiles.ts';
import { Misclassified } from './Misclassified.tsx';
import { curvesOf, useMetrics } from './useMetrics.ts';

// recharts is large: it loads with the first evaluation to chart, not with the page.
const RocChart = lazy(() => import('./RocChart.tsx').then((m) => ({ default: m.RocChart })));

/** Stage 5: a classifier run's best model on the validation or test split, figures in place. */
export function EvaluationStage() {
  const runs = useAppStore((s) => s.training.classifier.runs);
  const usable = runs.filter((r) => r.bestEpoch !== null);
  const { status, runId, split, threshold, progress, record, compare, compareRunId, error } =
    useAppStore((s) => s.evaluation);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const busy = useAppStore((s) => Object.values(s.training).some((t) => t.status === 'running'));
  const { showEvaluation, evaluate, compareWith } = useAppStore.getState();
  // The newest run is shown when it appears (a run just trained); otherwise the one picked stays.
  const newest = usable[0]?.id ?? null;
  const seen = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    const first = seen.current === undefined;
    seen.current = newest;
    void useAppStore.getState().showEvaluation(first ? null : newest);
  }, [newest]);

  if (usable.length === 0) {
    return (
      <div className="panel">
        <p className="muted" data-testid="eval-status" data-state="idle">
          Train a classifier in the Classifier stage first: its best checkpoint is evaluated here.
        </p>
      </div>
    );
  }
  const running = status === 'running';
  return (
    <div className="panel">
      <div className="eval-controls">
        <label>
          Classifier{' '}
          <select
            data-testid="eval-run"
            value={runId ?? ''}
            disabled={running}
            onChange={(e) => void showEvaluation(e.target.value)}
          >
            {usable.map((r) => (
              <option key={r.id} value={r.id}>
                {when(r.createdAt)}: {r.config.mode}, best epoch {(r.bestEpoch ?? 0) + 1}, val
                melanoma AUC {score(bestFigures(r)?.val[CLASSIFIER_METRICS.melanomaAuc])}
                {r.importedFrom ? ' (imported)' : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          Split{' '}
          <select
            data-testid="eval-split"
            value={split}
            disabled={running}
            onChange={(e) => void showEvaluation(runId, e.target.value as EvalSplit)}
          >
            {EVAL_SPLITS.map((s) => (
              <option key={s} value={s}>
                {SPLIT_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button"
          data-testid="evaluate"
          disabled={running || busy || !ready || !runId}
          onClick={() => void evaluate()}
        >
          {record ? 'Evaluate again' : 'Evaluate'}
        </button>
      </div>
      <div className="train-status" data-testid="eval-status" data-state={status}>
        {running && progress && (
          <>
            <progress max={progress.total} value={progress.done} />
            <span>
              Predicting {progress.done} of {progress.total} images
            </span>
          </>
        )}
        {!running && !record && status !== 'error' && (
          <span className="muted">
            Not evaluated on the {SPLIT_LABELS[split].toLowerCase()} split yet: press Evaluate.
          </span>
        )}
        {record && !running && (
          <span>
            {record.keys.length} labelled images of the {SPLIT_LABELS[split].toLowerCase()} split,
            predicted by the epoch {record.epoch + 1} checkpoint on {record.backend},{' '}
            {when(record.createdAt)}
            {record.unlabeled > 0 ? `; ${record.unlabeled} unlabelled images left out` : ''}.
          </span>
        )}
        {status === 'error' && error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
      </div>
      {record?.stale && (
        <p className="notice-inline" role="status" data-testid="eval-stale">
          This model was trained on an earlier version of the dataset: the figures are for the
          dataset as it is now, which the model may partly have seen in training.
        </p>
      )}
      {record && (
        <Results
          record={record}
          threshold={threshold}
          compare={compare}
          compareRunId={compareRunId}
          others={usable
            .filter((r) => r.id !== runId)
            .map((r) => ({ id: r.id, label: `${when(r.createdAt)}: ${r.config.mode}` }))}
          onCompare={(id) => void compareWith(id)}
        />
      )}
    </div>
  );
}

interface ResultsProps {
  record: EvaluationRecord;
  threshold: number;
  compare: EvaluationRecord | null;
  compareRunId: string | null;
  others: { id: string; label: string }[];
  onCompare: (runId: string | null) => void;
}

function Results({ record, threshold, compare, compareRunId, others, onCompare }: ResultsProps) {
  const setThreshold = useAppStore((s) => s.setThreshold);
  const { curves, intervals, metrics, operating } = useMetrics(record, threshold);
  const rocRef = useRef<HTMLDivElement>(null);
  const positive = record.labels.map((l) => l === MELANOMA);
  const melanomaScores = classScores(record.probabilities, MELANOMA);
  const pickFor = (target: number) => {
    const t = thresholdForSensitivity(positive, melanomaScores, target);
    if (t !== null) setThreshold(t);
  };
  const compared = compare ? curvesOf(compare) : null;

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
      <div className="eval-actions">
        <button
          type="button"
          className="button-secondary"
          data-testid="export-predictions"
          onClick={() => savePredictionsCsv(record)}
        >
          predictions.csv
        </button>
        <button
          type="button"
          className="button-secondary"
          data-testid="export-metrics"
          onClick={() => saveMetricsJson(record, threshold)}
        >
          metrics.json
        </button>
        <button
          type="button"
          className="button-quiet"
          data-testid="export-roc-png"
          onClick={() =>
            rocRef.current &&
            void saveChartPng(rocRef.current, `roc-${record.runId}-${record.split}.png`)
          }
        >
          ROC chart as PNG
        </button>
        <label>
          Compare with{' '}
          <select
            data-testid="eval-compare"
            value={compareRunId ?? ''}
            onChange={(e) => onCompare(e.target.value || null)}
          >
            <option value="">no other run</option>
            {others.map((o) => (
              <option key={o.id} value={o.id}>
                {o.label}
              </option>
            ))}
          </select>
        </label>
        {compareRunId && !compare && (
          <span className="muted">
            That run has no evaluation on this split yet: evaluate it first.
          </span>
        )}
      </div>
      {compare && <Comparison record={record} compare={compare} threshold={threshold} />}
      <Misclassified record={record} threshold={threshold} />
    </>
  );
}
