/**
 * Stage 5: a classifier run's best model on the validation or test split, figures in place. This
 * file holds the stage and the results' layout; the run and split choosers with the status line are
 * EvaluationControls.tsx, the figures, threshold and charts EvaluationFigures.tsx, the exports
 * and the compared run EvaluationActions.tsx.
 */
import { useEffect, useRef } from 'react';
import type { EvaluationRecord } from '../../evaluation/record.ts';
import { useAppStore } from '../../store/index.ts';
import { when } from '../format.ts';
import { Comparison } from './Comparison.tsx';
import { EvaluationActions } from './EvaluationActions.tsx';
import { EvaluationControls, EvaluationStatus } from './EvaluationControls.tsx';
import { ResultCharts, ResultFigures, ThresholdControl } from './EvaluationFigures.tsx';
import { Misclassified } from './Misclassified.tsx';
import { curvesOf, useMetrics } from './useMetrics.ts';

/** Stage 5: a classifier run's best model on the validation or test split, figures in place. */
export function EvaluationStage() {
  const runs = useAppStore((s) => s.training.classifier.runs);
  const usable = runs.filter((r) => r.bestEpoch !== null);
  const { runId, threshold, record, compare, compareRunId } = useAppStore((s) => s.evaluation);
  const { compareWith } = useAppStore.getState();
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
  return (
    <div className="panel">
      <EvaluationControls usable={usable} />
      <EvaluationStatus />
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

/** An evaluation's figures, threshold, charts, exports, comparison and misclassified images. */
function Results({ record, threshold, compare, compareRunId, others, onCompare }: ResultsProps) {
  const figures = useMetrics(record, threshold);
  const rocRef = useRef<HTMLDivElement>(null);
  const compared = compare ? curvesOf(compare) : null;

  return (
    <>
      <ResultFigures metrics={figures.metrics} operating={figures.operating} />
      <ThresholdControl record={record} threshold={threshold} />
      <ResultCharts figures={figures} compared={compared} rocRef={rocRef} />
      <EvaluationActions
        record={record}
        threshold={threshold}
        rocRef={rocRef}
        compare={compare}
        compareRunId={compareRunId}
        others={others}
        onCompare={onCompare}
      />
      {compare && <Comparison record={record} compare={compare} threshold={threshold} />}
      <Misclassified record={record} threshold={threshold} />
    </>
  );
}
