import { STORAGE_FULL } from '../../dataset/storage.ts';
import { BACKENDS, BACKEND_LABELS } from '../../pipeline/backends.ts';
import { BUSY } from '../../storage/jobLock.ts';
import { useAppStore } from '../../store/index.ts';
import type { ModelKind, RunRecord } from '../../runs/runs.ts';
import { duration } from '../format.ts';
import { runStatusText } from './runText.ts';

interface TrainStatusProps {
  kind: ModelKind;
  /** Label of the Train button, e.g. "Train SegNet". */
  trainLabel: string;
  /** Why training cannot start now, or null when it can. */
  blocked: string | null;
}

/**
 * Train and Stop, and the live state of the run: `{kind}-status` carries `data-state`, with the
 * batch progress, images/s and time left while it trains, and the error with other backends to
 * switch to when it failed.
 */
export function TrainStatus({ kind, trainLabel, blocked }: TrainStatusProps) {
  const preset = useAppStore((s) => s.preset);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const backend = useAppStore((s) => s.runtime.info?.backend);
  const { status, runs, selectedRunId, activeRunId, batch, preparing, stopping, error } =
    useAppStore((s) => s.training[kind]);
  const train = useAppStore((s) => s.train);
  const stopTraining = useAppStore((s) => s.stopTraining);
  const otherRunning = useAppStore((s) =>
    Object.entries(s.training).some(([k, t]) => k !== kind && t.status === 'running'),
  );
  const run = (runs as RunRecord<{ epochs: number }>[]).find(
    (r) => r.id === (activeRunId ?? selectedRunId),
  );
  const running = status === 'running';
  const statusId = kind === 'segnet' ? 'segnet-status' : 'classifier-status';

  return (
    <>
      <div className="train-buttons">
        <button
          type="button"
          className="button"
          data-testid={kind === 'segnet' ? 'train-segnet' : 'train-classifier'}
          disabled={running || otherRunning || !ready || blocked !== null}
          title={blocked ?? undefined}
          onClick={() => void train(kind)}
        >
          {trainLabel}
        </button>
        <button
          type="button"
          className="button-secondary"
          // One `stop-training` on the page (the test contract): the training stage's, or the
          // Segmentation stage's while nothing trains.
          data-testid={
            running || (kind === 'segnet' && !otherRunning) ? 'stop-training' : `stop-${kind}`
          }
          disabled={!running || stopping}
          onClick={() => void stopTraining()}
        >
          {stopping ? 'Stopping after this batch…' : 'Stop'}
        </button>
      </div>
      <div className="train-status" data-testid={statusId} data-state={status}>
        {running && batch && (
          <>
            <progress max={batch.batches} value={batch.batch} />
            <span>
              Epoch {batch.epoch + 1}
              {run ? ` of ${run.config.epochs}` : ''} · batch {batch.batch}/{batch.batches} · loss{' '}
              {batch.loss.toFixed(4)} · {batch.imagesPerSecond.toFixed(1)} images/s · about{' '}
              {duration(batch.secondsLeft)} left in this epoch
              {run && run.history.length > 0 && run.config.epochs > batch.epoch + 1
                ? `, ${duration(batch.secondsLeft + (run.config.epochs - batch.epoch - 1) * (run.history.at(-1)?.seconds ?? 0))} at most for the rest of the run`
                : ''}
            </span>
            {run?.engine && (
              <span className="muted" data-testid="training-engine">
                Trained by {run.engine}.
              </span>
            )}
          </>
        )}
        {running && !batch && preparing && (
          <>
            <progress max={preparing.total} value={preparing.done} />
            <span>
              {preparing.what}: {preparing.done} of {preparing.total} {preparing.unit}
            </span>
          </>
        )}
        {running && !batch && !preparing && (
          <span>Starting: building the model and reading the first batch…</span>
        )}
        {!running && run && <span>{runStatusText(run, false)}.</span>}
        {!running && !run && blocked && <span className="muted">{blocked}</span>}
        {status === 'error' && error && (
          <p className="error-text" role="alert">
            {error} {/* Another backend cannot help another tab's job or a full disk. */}
            {!error.startsWith(BUSY) && !error.startsWith(STORAGE_FULL) && (
              <span className="error-actions">
                Switch backend:{' '}
                {BACKENDS.filter((b) => b !== backend).map((b) => (
                  <a key={b} href={`?backend=${b}&preset=${preset}`}>
                    {BACKEND_LABELS[b]}
                  </a>
                ))}
              </span>
            )}
          </p>
        )}
      </div>
    </>
  );
}
