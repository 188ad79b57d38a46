import { BACKENDS, BACKEND_LABELS } from '../../pipeline/backends.ts';
import { PRESET_TABLE } from '../../pipeline/presets.ts';
import { useAppStore } from '../../store/index.ts';
import { duration, score } from '../format.ts';
import { describeTraining, runStatusText, valDice, valJaccard } from './runText.ts';

/** The preset's recipe, the data it will use, Train / Stop, and the live status of the run. */
export function TrainControls() {
  const preset = useAppStore((s) => s.preset);
  const counts = useAppStore((s) => s.dataset.summary?.counts);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const info = useAppStore((s) => s.runtime.info);
  const software = info?.backend === 'cpu' || /swiftshader|llvmpipe/i.test(info?.adapter ?? '');
  const { status, runs, selectedRunId, activeRunId, batch, stopping, error } = useAppStore(
    (s) => s.segmentation,
  );
  const trainSegNet = useAppStore((s) => s.trainSegNet);
  const stopTraining = useAppStore((s) => s.stopTraining);
  const training = PRESET_TABLE[preset].segnet;
  const trainImages = counts?.train.masks ?? 0;
  const valImages = counts?.val.masks ?? 0;
  const enoughData = trainImages >= training.batchSize && valImages > 0;
  const run = runs.find((r) => r.id === (activeRunId ?? selectedRunId));
  const running = status === 'running';

  return (
    <div className="train-controls">
      <p className="recipe">
        <strong>{PRESET_TABLE[preset].label}:</strong> {describeTraining(training)}
      </p>
      <p className="muted">
        {enoughData
          ? `Trains on ${trainImages} training images with a ground-truth mask and validates on ${valImages}.`
          : `Needs images with ground-truth masks: at least ${training.batchSize} in the train split (now ${trainImages}) and one in the validation split (now ${valImages}).`}
      </p>
      {software && preset !== 'quick' && (
        <p className="notice-inline" role="status">
          This backend computes in software ({info?.adapter}): the {preset} SegNet would train for
          days here. Use the quick preset, or a browser with a hardware GPU.
        </p>
      )}
      <div className="train-buttons">
        <button
          type="button"
          className="button"
          data-testid="train-segnet"
          disabled={running || !ready || !enoughData}
          onClick={() => void trainSegNet()}
        >
          Train SegNet
        </button>
        <button
          type="button"
          className="button-secondary"
          data-testid="stop-training"
          disabled={!running || stopping}
          onClick={() => void stopTraining()}
        >
          {stopping ? 'Stopping after this batch…' : 'Stop'}
        </button>
      </div>
      <div className="segnet-status" data-testid="segnet-status" data-state={status}>
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
          </>
        )}
        {running && !batch && (
          <span>Starting: building the model and reading the first batch…</span>
        )}
        {!running && run && <span>{runStatusText(run, false)}.</span>}
        {status === 'error' && error && (
          <p className="error-text" role="alert">
            {error}{' '}
            <span className="error-actions">
              Switch backend:{' '}
              {BACKENDS.filter((b) => b !== info?.backend).map((b) => (
                <a key={b} href={`?backend=${b}&preset=${preset}`}>
                  {BACKEND_LABELS[b]}
                </a>
              ))}
            </span>
          </p>
        )}
      </div>
      {run && (
        <dl className="figures">
          <dt>Validation Dice</dt>
          <dd data-testid="segnet-val-dice" data-value={valDice(run) ?? ''}>
            {score(valDice(run))}
          </dd>
          <dt>Validation Jaccard</dt>
          <dd data-testid="segnet-val-jaccard" data-value={valJaccard(run) ?? ''}>
            {score(valJaccard(run))}
          </dd>
          <dt>Epochs</dt>
          <dd>
            {run.epochsDone} of {run.config.epochs}
          </dd>
          <dt>Best epoch</dt>
          <dd>{run.bestEpoch === null ? '–' : run.bestEpoch + 1}</dd>
        </dl>
      )}
    </div>
  );
}
