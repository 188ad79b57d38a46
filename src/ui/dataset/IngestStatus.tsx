import { useAppStore } from '../../store/index.ts';
import { duration } from '../format.ts';

/** Progress of the running ingest (count, rate, time left, cancel), or how the last one ended. */
export function IngestStatus() {
  const { status, progress, result, error, keepOther } = useAppStore((s) => s.dataset);
  const cancelIngest = useAppStore((s) => s.cancelIngest);

  return (
    <div
      className="ingest-status"
      data-testid="ingest-status"
      data-state={status}
      data-done={progress?.phase === 'decoding' ? progress.done : 0}
      data-total={progress?.phase === 'decoding' ? progress.total : 0}
      data-seconds={result?.seconds}
      aria-live="polite"
    >
      {status === 'running' && (
        <>
          <progress
            max={progress?.total || 1}
            value={progress?.phase === 'decoding' ? progress.done : undefined}
          />
          <div className="ingest-line">
            {!progress || progress.phase === 'reading' ? (
              <span>Reading the files…</span>
            ) : (
              <span>
                {progress.done} / {progress.total} files · {progress.imagesPerSecond.toFixed(1)}{' '}
                images/s
                {progress.secondsLeft !== null && ` · about ${duration(progress.secondsLeft)} left`}
                <span className="ingest-current"> {progress.current}</span>
              </span>
            )}
            <button
              type="button"
              className="button-quiet"
              data-testid="cancel-ingest"
              onClick={() => void cancelIngest()}
            >
              Cancel
            </button>
          </div>
        </>
      )}
      {status !== 'running' && result && (
        <p>
          {result.cancelled ? 'Cancelled: kept what was finished. ' : ''}
          Added {result.images} images
          {result.other > 0 &&
            ` (${result.other} of other diagnoses, kept for an "other" class)`}, {result.masks}{' '}
          masks and {result.labelRows} label rows in {result.seconds.toFixed(1)} s
          {result.alreadyStored > 0 && `; ${result.alreadyStored} files were already stored`}
          {result.leftOut > 0 &&
            `; ${result.leftOut} images of other diagnoses left out${keepOther ? ' (their diagnoses name no definite kind of lesion)' : ' (tick "Keep other diagnoses" and add them again to keep them)'}`}
          .
        </p>
      )}
      {status === 'error' && error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
