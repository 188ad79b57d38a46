/**
 * Stage 5: a classifier run's best model on the validation or test split, figures in place. This
 * file holds the stage and the results' layout; the run and split choosers with the status line are
 * EvaluationControls.tsx, the TTA and calibration boxes ProbabilityControls.tsx, the figures,
 * threshold and charts EvaluationFigures.tsx and CalibrationFigures.tsx, the exports and the
 * compared run EvaluationActions.tsx.
 */
import { useEffect, useMemo, useRef } from 'react';
import { loadEvaluation, type EvaluationRecord } from '../../evaluation/record.ts';
import { useAppStore } from '../../store/index.ts';
import { useLoaded } from '../common/useLoaded.ts';
import { when } from '../format.ts';
import { CalibrationCharts, CalibrationFigures } from './CalibrationFigures.tsx';
import { Comparison } from './Comparison.tsx';
import { EvaluationActions } from './EvaluationActions.tsx';
import { EvaluationControls, EvaluationStatus } from './EvaluationControls.tsx';
import { ResultCharts, ResultFigures, ThresholdControl } from './EvaluationFigures.tsx';
import { Misclassified } from './Misclassified.tsx';
import { ProbabilityControls } from './ProbabilityControls.tsx';
import {
  asPredictions,
  clinicalAucs,
  clinicalByDefault,
  melanomaAucs,
  probabilityView,
  ttaByDefault,
  type ProbabilityChoice,
} from './probabilityView.ts';
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

/**
 * The probabilities shown: TTA or plain, calibrated or not, as ticked; by default TTA where it does
 * not lower the melanoma AUC of the validation split (read when the test split is shown; TTA stays
 * on while that read runs or where there is none) and calibrated where a calibration was fitted,
 * with clinical data where they were fitted and do not lower the validation melanoma AUC.
 */
function useProbabilityView(record: EvaluationRecord) {
  const tta = useAppStore((s) => s.evaluation.tta);
  const calibrated = useAppStore((s) => s.evaluation.calibrated);
  const clinical = useAppStore((s) => s.evaluation.clinical);
  const stored = useLoaded(
    async () =>
      record.split === 'val' || !record.ttaProbabilities
        ? null
        : ((await loadEvaluation(record.runId, 'val')) ?? null),
    [record],
  ).value;
  // A read kept from the record shown before is not this run's.
  const validation =
    record.split === 'val' ? record : stored?.runId === record.runId ? stored : null;
  const ttaDefault = ttaByDefault(record, validation);
  const clinicalDefault = clinicalByDefault(validation);
  const view = useMemo(
    () =>
      probabilityView(
        record,
        { tta, calibrated, clinical } satisfies ProbabilityChoice,
        ttaDefault,
        clinicalDefault,
      ),
    [record, tta, calibrated, clinical, ttaDefault, clinicalDefault],
  );
  const aucs = useMemo(
    () => melanomaAucs(record, calibrated, clinical ?? clinicalDefault),
    [record, calibrated, clinical, clinicalDefault],
  );
  const withClinical = useMemo(() => clinicalAucs(record, view.tta), [record, view.tta]);
  return { view, aucs, withClinical };
}

/** An evaluation's figures, threshold, charts, exports, comparison and misclassified images. */
function Results({ record, threshold, compare, compareRunId, others, onCompare }: ResultsProps) {
  const { view, aucs, withClinical } = useProbabilityView(record);
  const figures = useMetrics(record, threshold, view);
  const rocRef = useRef<HTMLDivElement>(null);
  // The compared run in the same view where it has one (its own calibration), else plain.
  const compareView = useMemo(
    () =>
      compare
        ? probabilityView(
            compare,
            { tta: view.tta, calibrated: view.calibrated, clinical: view.clinical },
            false,
            false,
          )
        : null,
    [compare, view.tta, view.calibrated, view.clinical],
  );
  const compared = compare && compareView ? curvesOf(asPredictions(compare, compareView)) : null;

  return (
    <>
      <ProbabilityControls
        view={view}
        split={record.split}
        aucs={aucs}
        clinicalAucs={withClinical}
      />
      <ResultFigures metrics={figures.metrics} operating={figures.operating} />
      <CalibrationFigures metrics={figures.metrics} />
      <ThresholdControl predictions={figures.predictions} threshold={threshold} />
      <ResultCharts figures={figures} compared={compared} rocRef={rocRef} />
      <CalibrationCharts figures={figures} />
      <EvaluationActions
        record={record}
        view={view}
        threshold={threshold}
        rocRef={rocRef}
        compare={compare}
        compareRunId={compareRunId}
        others={others}
        onCompare={onCompare}
      />
      {compare && compareView && (
        <Comparison
          record={figures.predictions}
          compare={asPredictions(compare, compareView)}
          threshold={threshold}
        />
      )}
      <Misclassified predictions={figures.predictions} threshold={threshold} />
    </>
  );
}
