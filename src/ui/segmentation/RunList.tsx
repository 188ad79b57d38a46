import { useState } from 'react';
import { PRESET_TABLE } from '../../pipeline/presets.ts';
import { useAppStore } from '../../store/index.ts';
import { SEGNET_METRICS, bestFigures } from '../../train/runs.ts';
import type { SegNetRun } from '../../train/segnetTraining.ts';
import { duration, score, when } from '../format.ts';
import { canResume, runStatusText } from './runText.ts';

/** Every SegNet run stored here: pick one to see its curves, resume it, or delete it. */
export function RunList() {
  const { runs, selectedRunId, activeRunId, status } = useAppStore((s) => s.segmentation);
  const select = useAppStore((s) => s.selectSegNetRun);
  const trainSegNet = useAppStore((s) => s.trainSegNet);
  const deleteRun = useAppStore((s) => s.deleteSegNetRun);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const [confirming, setConfirming] = useState<string | null>(null);
  if (runs.length === 0) return null;

  return (
    <table className="runs-table" data-testid="segnet-runs">
      <caption>SegNet runs in this browser</caption>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Preset</th>
          <th scope="col">Backend</th>
          <th scope="col">Epochs</th>
          <th scope="col">Best val Dice</th>
          <th scope="col">Training time</th>
          <th scope="col">Status</th>
          <th scope="col" aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {runs.map((run: SegNetRun) => {
          const active = run.id === activeRunId;
          const best = bestFigures(run);
          return (
            <tr
              key={run.id}
              data-testid="segnet-run"
              data-run-id={run.id}
              data-status={run.status}
              className={run.id === selectedRunId ? 'selected' : undefined}
              onClick={() => select(run.id)}
            >
              <td title={run.id}>{when(run.createdAt)}</td>
              <td>{PRESET_TABLE[run.preset].label}</td>
              <td>{run.backend}</td>
              <td>
                {run.epochsDone} / {run.config.epochs}
              </td>
              <td>{score(best?.val[SEGNET_METRICS.dice])}</td>
              <td>{duration(run.trainSeconds)}</td>
              <td title={run.error}>
                {runStatusText(run, active)}
                {run.status === 'failed' && run.error ? `: ${run.error}` : ''}
              </td>
              <td className="run-actions" onClick={(e) => e.stopPropagation()}>
                {canResume(run, active) && (
                  <button
                    type="button"
                    className="button-secondary"
                    data-testid="resume-segnet"
                    disabled={status === 'running' || !ready}
                    onClick={() => void trainSegNet(run.id)}
                  >
                    Resume
                  </button>
                )}
                {!active &&
                  (confirming === run.id ? (
                    <>
                      <button
                        type="button"
                        className="button-danger"
                        data-testid="confirm-delete-run"
                        onClick={() => {
                          setConfirming(null);
                          void deleteRun(run.id);
                        }}
                      >
                        Delete
                      </button>
                      <button
                        type="button"
                        className="button-quiet"
                        onClick={() => setConfirming(null)}
                      >
                        Keep
                      </button>
                    </>
                  ) : (
                    <button
                      type="button"
                      className="button-quiet"
                      data-testid="delete-run"
                      disabled={!ready}
                      onClick={() => setConfirming(run.id)}
                    >
                      Delete
                    </button>
                  ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
