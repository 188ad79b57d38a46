/**
 * Choosing and running an evaluation: the classifier run and the split, the Evaluate button, and
 * the status line (progress while predicting, what the shown evaluation is, or its error).
 */
import { SPLIT_LABELS } from '../../dataset/types.ts';
import { EVAL_SPLITS, type EvalSplit } from '../../evaluation/record.ts';
import { CLASSIFIER_METRICS, bestFigures } from '../../runs/runs.ts';
import { useAppStore, type AppState } from '../../store/index.ts';
import { score, when } from '../format.ts';

type ClassifierRuns = AppState['training']['classifier']['runs'];

/** The run and split choosers and the Evaluate button. */
export function EvaluationControls({ usable }: { usable: ClassifierRuns }) {
  const { status, runId, split, record } = useAppStore((s) => s.evaluation);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const busy = useAppStore((s) => Object.values(s.training).some((t) => t.status === 'running'));
  const { showEvaluation, evaluate } = useAppStore.getState();
  const running = status === 'running';
  return (
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
  );
}

/** Progress while predicting; otherwise what the shown evaluation is, or why there is none. */
export function EvaluationStatus() {
  const { status, split, progress, record, error } = useAppStore((s) => s.evaluation);
  const running = status === 'running';
  return (
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
          {record.unlabeled > 0
            ? `; ${record.unlabeled} images not of the three classes (unlabelled, or kept as "other") left out`
            : ''}
          .
        </span>
      )}
      {status === 'error' && error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
