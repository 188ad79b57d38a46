import { PRESET_TABLE, type SegNetTraining } from '../../pipeline/presets.ts';
import { useAppStore } from '../../store/index.ts';
import { SEGNET_METRICS, latestVal } from '../../runs/runs.ts';
import { Figure } from '../common/Figure.tsx';
import { TrainStatus } from '../training/TrainStatus.tsx';
import { describeSchedule } from '../format.ts';

/** The preset's recipe, the data it will use, Train / Stop, and the live status of the run. */
export function TrainControls() {
  const preset = useAppStore((s) => s.preset);
  const counts = useAppStore((s) => s.dataset.summary?.counts);
  const info = useAppStore((s) => s.runtime.info);
  const software = info?.backend === 'cpu' || /swiftshader|llvmpipe/i.test(info?.adapter ?? '');
  const { runs, selectedRunId, activeRunId } = useAppStore((s) => s.training.segnet);
  const training = PRESET_TABLE[preset].segnet;
  const trainImages = counts?.train.masks ?? 0;
  const valImages = counts?.val.masks ?? 0;
  const enoughData = trainImages >= training.batchSize && valImages > 0;
  const run = runs.find((r) => r.id === (activeRunId ?? selectedRunId));
  const dice = run && latestVal(run, SEGNET_METRICS.dice);
  const jaccard = run && latestVal(run, SEGNET_METRICS.jaccard);

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
      <TrainStatus
        kind="segnet"
        trainLabel="Train SegNet"
        blocked={enoughData ? null : 'Nothing to train on yet: see what the SegNet needs above.'}
      />
      {run && (
        <dl className="figures">
          <Figure id="segnet-val-dice" label="Validation Dice" value={dice} />
          <Figure id="segnet-val-jaccard" label="Validation Jaccard" value={jaccard} />
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

function describeTraining(t: SegNetTraining): string {
  const widths = t.model.encoder.map((b) => b.join(',')).join(' | ');
  const optimizer =
    t.optimizer === 'adam'
      ? `Adam, learning rate ${t.learningRate}`
      : `SGD, learning rate ${t.learningRate}, momentum ${t.momentum}`;
  const schedule = describeSchedule(t.schedule, t.weightDecay);
  const augment = [
    t.augment.rotate90 && '90° rotations',
    t.augment.shear > 0 && `shear up to ${t.augment.shear}`,
    t.augment.flip && 'flips',
  ].filter(Boolean);
  return (
    `${t.model.inputSize} px input, filters ${widths}; ${optimizer}${schedule ? ` (${schedule})` : ''}; batch ${t.batchSize}; ` +
    `up to ${t.epochs} epochs, early stop after ${t.patience} without a lower validation loss; ` +
    `augmentation: ${augment.length > 0 ? augment.join(', ') : 'none'}.`
  );
}
