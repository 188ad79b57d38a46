/**
 * What to do with an evaluation: save its predictions (CSV), its figures (JSON) or its ROC chart
 * (PNG), and choose another run's evaluation of the same split to compare with.
 */
import type { RefObject } from 'react';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { useAppStore } from '../../store/index.ts';
import { saveChartPng, saveMetricsJson, savePredictionsCsv } from './exportFiles.ts';
import type { ProbabilityView } from './probabilityView.ts';

interface EvaluationActionsProps {
  record: EvaluationRecord;
  /** The probabilities shown, which both files write. */
  view: ProbabilityView;
  threshold: number;
  /** The ROC chart's box (EvaluationFigures.tsx's ResultCharts). */
  rocRef: RefObject<HTMLDivElement | null>;
  compare: EvaluationRecord | null;
  compareRunId: string | null;
  others: { id: string; label: string }[];
  onCompare: (runId: string | null) => void;
}

export function EvaluationActions({
  record,
  view,
  threshold,
  rocRef,
  compare,
  compareRunId,
  others,
  onCompare,
}: EvaluationActionsProps) {
  return (
    <div className="eval-actions">
      <button
        type="button"
        className="button-secondary"
        data-testid="export-predictions"
        onClick={() =>
          savePredictionsCsv(record, useAppStore.getState().dataset.summary?.rows ?? [], view)
        }
      >
        predictions.csv
      </button>
      <button
        type="button"
        className="button-secondary"
        data-testid="export-metrics"
        onClick={() => saveMetricsJson(record, threshold, view)}
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
  );
}
