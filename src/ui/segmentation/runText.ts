/** How a SegNet run is described on the page. */
import { SEGNET_METRICS, latestVal, type RunRecord } from '../../train/runs.ts';
import type { SegNetTraining } from '../../pipeline/presets.ts';

export function runStatusText(run: RunRecord<SegNetTraining>, active: boolean): string {
  const done = run.epochsDone;
  switch (run.status) {
    case 'running':
      return active ? `Training epoch ${done + 1}` : `Interrupted in epoch ${done + 1}`;
    case 'stopped':
      return done === 0 ? 'Stopped before its first epoch ended' : `Stopped after epoch ${done}`;
    case 'finished':
      return `Finished ${done} epochs`;
    case 'early-stop':
      return `Stopped early after epoch ${done}`;
    case 'failed':
      return `Failed in epoch ${done + 1}`;
  }
}

/** A stopped, failed or interrupted run with a finished epoch and epochs left can go on. */
export function canResume(run: RunRecord<SegNetTraining>, active: boolean): boolean {
  return (
    !active &&
    run.status !== 'finished' &&
    run.status !== 'early-stop' &&
    run.epochsDone > 0 &&
    run.epochsDone < run.config.epochs
  );
}

export const valDice = (run: RunRecord) => latestVal(run, SEGNET_METRICS.dice);
export const valJaccard = (run: RunRecord) => latestVal(run, SEGNET_METRICS.jaccard);

export function describeTraining(t: SegNetTraining): string {
  const widths = t.model.encoder.map((b) => b.join(',')).join(' | ');
  const optimizer =
    t.optimizer === 'adam'
      ? `Adam, learning rate ${t.learningRate}`
      : `SGD, learning rate ${t.learningRate}, momentum ${t.momentum}`;
  const augment = [
    t.augment.rotate90 && '90° rotations',
    t.augment.shear > 0 && `shear up to ${t.augment.shear}`,
    t.augment.flip && 'flips',
  ].filter(Boolean);
  return (
    `${t.model.inputSize} px input, filters ${widths}; ${optimizer}; batch ${t.batchSize}; ` +
    `up to ${t.epochs} epochs, early stop after ${t.patience} without a lower validation loss; ` +
    `augmentation: ${augment.length > 0 ? augment.join(', ') : 'none'}.`
  );
}
