import { useState, type ReactNode } from 'react';
import { PRESET_TABLE } from '../../pipeline/presets.ts';
import { useAppStore } from '../../store/index.ts';
import type { ModelKind, RunRecord } from '../../runs/runs.ts';
import { duration, when } from '../format.ts';
import { saveFiles } from './download.ts';
import { canResume, runStatusText } from './runText.ts';

type Run = RunRecord<{ epochs: number }>;

interface RunTableProps {
  kind: ModelKind;
  caption: string;
  /** The column of the run's key figure, e.g. the best validation Dice. */
  figure: { header: string; cell: (run: Run) => ReactNode };
}

/** Every run of one model stored here: pick one to see it, resume, export or delete it. */
export function RunTable({ kind, caption, figure }: RunTableProps) {
  const { runs, selectedRunId, activeRunId, status } = useAppStore((s) => s.training[kind]);
  const select = useAppStore((s) => s.selectRun);
  const train = useAppStore((s) => s.train);
  const deleteRun = useAppStore((s) => s.deleteRun);
  const exportRun = useAppStore((s) => s.exportRun);
  const ready = useAppStore((s) => s.runtime.status === 'ready');
  const [confirming, setConfirming] = useState<string | null>(null);
  if (runs.length === 0) return null;

  return (
    <table className="runs-table" data-testid={`${kind}-runs`}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Preset</th>
          <th scope="col">Backend</th>
          <th scope="col">Epochs</th>
          <th scope="col">{figure.header}</th>
          <th scope="col">Training time</th>
          <th scope="col">Status</th>
          <th scope="col" aria-label="Actions" />
        </tr>
      </thead>
      <tbody>
        {(runs as Run[]).map((run) => {
          const active = run.id === activeRunId;
          return (
            <tr
              key={run.id}
              data-testid={`${kind}-run`}
              data-run-id={run.id}
              data-status={run.status}
              className={run.id === selectedRunId ? 'selected' : undefined}
              onClick={() => select(kind, run.id)}
            >
              <td title={run.id}>{when(run.createdAt)}</td>
              <td>{PRESET_TABLE[run.preset].label}</td>
              <td>{run.backend}</td>
              <td>
                {run.epochsDone} / {run.config.epochs}
              </td>
              <td>{figure.cell(run)}</td>
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
                    data-testid={`resume-${kind}`}
                    disabled={status === 'running' || !ready}
                    onClick={() => void train(kind, run.id)}
                  >
                    Resume
                  </button>
                )}
                {run.bestEpoch !== null && !active && (
                  <button
                    type="button"
                    className="button-quiet"
                    data-testid="export-run"
                    title="Download the best checkpoint in tfjs Layers format"
                    disabled={!ready}
                    onClick={() =>
                      void exportRun(kind, run.id).then((files) => files && saveFiles(files))
                    }
                  >
                    Export
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
                          void deleteRun(kind, run.id);
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
