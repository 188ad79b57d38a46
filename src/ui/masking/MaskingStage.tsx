import { useState } from 'react';
import { LESION_MEASURES } from '../../metrics/lesion/measures.ts';
import {
  describeSource,
  measuring,
  type MaskSource,
  type MaskingSummary,
} from '../../masking/summary.ts';
import { useAppStore } from '../../store/index.ts';
import { SEGNET_METRICS, bestFigures } from '../../runs/runs.ts';
import { duration, score, when } from '../format.ts';
import { MaskExamples } from './MaskExamples.tsx';
import { MaskScores } from './MaskScores.tsx';

const MEASURED = 'size, border, shape, colours, texture';

/**
 * How many lesions were measured for the clinical model, and how many masks held none; for masks
 * applied by an earlier version of the app, how to measure them.
 */
function measuredText(summary: MaskingSummary): string {
  const found = measuring(summary);
  if (found.kind === 'earlier')
    return ` These masks were applied by an earlier version of the app, which measured ${found.measures > 0 ? `${found.measures} of the ${LESION_MEASURES.length} measures` : 'no lesion'}: apply them again to weigh each lesion's ${MEASURED} in the clinical data.`;
  const { measured, empty } = found;
  return ` ${measured.toLocaleString('en')} lesions measured (${MEASURED}) for the clinical data${empty > 0 ? `; ${empty.toLocaleString('en')} masks held no lesion to measure` : ''}.`;
}

/**
 * Stage 3: black out everything but the lesion in every image, with a SegNet or the truth, and
 * (unless unticked) centre and zoom each image on its lesion.
 */
export function MaskingStage() {
  const runs = useAppStore((s) => s.training.segnet.runs);
  const hasTruth = useAppStore((s) => (s.dataset.summary?.rows ?? []).some((r) => r.hasMask));
  const datasetRevision = useAppStore((s) => s.dataset.info?.revision);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const training = useAppStore(
    (s) => s.training.segnet.status === 'running' || s.training.classifier.status === 'running',
  );
  const { status, progress, summary, stopped, error } = useAppStore((s) => s.masking);
  const applyMasks = useAppStore((s) => s.applyMasks);
  const stopMasking = useAppStore((s) => s.stopMasking);
  const usable = runs.filter((r) => r.bestEpoch !== null);
  const [picked, setPicked] = useState<string | null>(null);
  const [crop, setCrop] = useState(true);
  const choice = picked ?? (usable[0] ? `segnet:${usable[0].id}` : hasTruth ? 'truth' : '');
  const source: MaskSource | null = choice.startsWith('segnet:')
    ? { kind: 'segnet', runId: choice.slice('segnet:'.length) }
    : choice === 'truth'
      ? { kind: 'truth' }
      : null;
  const running = status === 'running';

  return (
    <div className="panel">
      <div className="mask-controls">
        <label>
          Masks from{' '}
          <select
            data-testid="mask-source"
            value={choice}
            onChange={(e) => setPicked(e.target.value)}
            disabled={running}
          >
            {usable.map((run) => (
              <option key={run.id} value={`segnet:${run.id}`}>
                SegNet of {when(run.createdAt)}: best epoch {(run.bestEpoch ?? 0) + 1}, val Dice{' '}
                {score(bestFigures(run)?.val[SEGNET_METRICS.dice])}
              </option>
            ))}
            {hasTruth && <option value="truth">Ground-truth masks</option>}
            {!source && <option value="">Train a SegNet first</option>}
          </select>
        </label>
        <label title="The classifier reads a few dozen pixels: cutting each image to the square around its lesion (with a 10% margin) gives the lesion all of them.">
          <input
            type="checkbox"
            data-testid="mask-crop"
            checked={crop}
            onChange={(e) => setCrop(e.target.checked)}
            disabled={running}
          />{' '}
          Centre and zoom on the lesion
        </label>
        <button
          type="button"
          className="button"
          data-testid="apply-masks"
          disabled={!source || running || training || !ready}
          onClick={() => source && void applyMasks(source, { crop })}
        >
          Apply masks
        </button>
        <button
          type="button"
          className="button-secondary"
          data-testid="stop-masking"
          disabled={!running}
          onClick={() => void stopMasking()}
        >
          Stop
        </button>
      </div>
      {training && <p className="muted">Masking waits while the SegNet trains.</p>}
      <div className="mask-status" data-testid="mask-status" data-state={status}>
        {running && (
          <>
            <progress max={progress?.total ?? 1} value={progress?.done ?? 0} />
            <span>
              {progress
                ? `${progress.done} / ${progress.total} images · ${progress.imagesPerSecond.toFixed(1)} images/s · about ${duration((progress.total - progress.done) / Math.max(progress.imagesPerSecond, 1e-9))} left`
                : 'Loading the model and the first images…'}
            </span>
          </>
        )}
        {!running && stopped && <span>Stopped: no masked images were kept.</span>}
        {!running && summary && (
          <span>
            Masked {summary.images.length} images with {describeSource(summary.source)}
            {summary.epoch !== null ? ` (epoch ${summary.epoch + 1})` : ''}
            {summary.crop ? ', centred and zoomed on the lesion,' : ''} in{' '}
            {duration(summary.seconds)} on {summary.backend}, {when(summary.createdAt)}.
            {summary.unmasked.length > 0 &&
              ` ${summary.unmasked.length} images had no ground-truth mask and were kept whole.`}
            {measuredText(summary)}
            {datasetRevision !== undefined &&
              datasetRevision !== summary.datasetRevision &&
              ' The dataset has changed since: apply the masks again.'}
          </span>
        )}
        {status === 'error' && error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
      </div>
      {summary && (
        <>
          <MaskScores summary={summary} />
          <MaskExamples summary={summary} />
        </>
      )}
    </div>
  );
}
